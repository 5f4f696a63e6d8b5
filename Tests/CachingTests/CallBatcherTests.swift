@testable import Caching
import Testing

/// The batcher under the SQL backends' reads and writes: calls made while a
/// batch runs go together in the next one, and each gets its own result.
@Suite("CallBatcher")
struct CallBatcherTests {
    /// Records the batches it is given; an input of -1 fails alone.
    actor Recorder {
        var batches: [[Int]] = []
        func record(_ batch: [Int]) { batches.append(batch) }
    }

    struct Refused: Error, Equatable { let input: Int }

    @Test("calls made while one runs go together in the next batch; each gets its own result, a failure only its own")
    func batchesAndResults() async throws {
        let batcher = CallBatcher<Int, Int>(maxRunning: 1, maxBatch: 100)
        let recorder = Recorder()
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let run: CallBatcher<Int, Int>.Run = { inputs in
            await recorder.record(inputs)
            if inputs == [0] {
                // The first call holds the slot until the others are queued.
                startedContinuation.yield()
                for await _ in release { break }
            }
            return inputs.map { $0 == -1 ? .failure(Refused(input: $0)) : .success($0 * 10) }
        }
        async let first = batcher.submit(0, using: run)
        for await _ in started { break }
        let others = [1, 2, -1, 3]
        let results = await withTaskGroup(of: (Int, Result<Int, Refused>).self) { group in
            for input in others {
                group.addTask {
                    do { return (input, .success(try await batcher.submit(input, using: run))) } catch {
                        return (input, .failure(Refused(input: input)))
                    }
                }
            }
            // Let every other call queue behind the first, then release it.
            while batcher.waitingCount < others.count { await Task.yield() }
            releaseContinuation.yield()
            var results: [Int: Result<Int, Refused>] = [:]
            for await (input, result) in group { results[input] = result }
            return results
        }
        #expect(try await first == 0)
        #expect(results[1] == .success(10))
        #expect(results[2] == .success(20))
        #expect(results[3] == .success(30))
        #expect(results[-1] == .failure(Refused(input: -1)))
        let batches = await recorder.batches
        #expect(batches.count == 2, "\(batches)")
        #expect(batches.first == [0])
        #expect(Set(batches.last ?? []) == Set(others))
    }

    @Test("a lone call runs at once, alone")
    func loneCall() async throws {
        let batcher = CallBatcher<Int, Int>(maxRunning: 1, maxBatch: 100)
        let recorder = Recorder()
        for input in 0..<3 {
            let value = try await batcher.submit(input) { inputs in
                await recorder.record(inputs)
                return inputs.map { .success($0 + 1) }
            }
            #expect(value == input + 1)
        }
        #expect(await recorder.batches == [[0], [1], [2]])
    }
}
