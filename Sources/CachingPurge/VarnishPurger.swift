import AsyncHTTPClient
import HTTPCaching
import NIOCore
import NIOHTTP1

/// Sends tag purges to Varnish instances running the VCL of
/// `VarnishXkeyVCL` (module `HTTPCaching`): a `PURGE` request with `xkey-purge: T U`.
///
/// Why a separate module: it needs an HTTP client, which an app that never
/// purges a downstream cache should not compile.
///
/// ```swift
/// let purger = VarnishPurger(instances: ["http://127.0.0.1:6081"])
/// try await cache.invalidate(tags: ["product:42"])      // the app's own page cache
/// try await purger.purge(tags: ["product:42"])          // Varnish in front of it
/// ```
public struct VarnishPurger: Sendable {
    /// The Varnish instances, as base URLs such as `http://127.0.0.1:6081`.
    public let instances: [String]
    /// How long one instance may take to answer.
    public let timeout: TimeAmount

    /// A purger for `instances`.
    public init(instances: [String], timeout: TimeAmount = .seconds(5)) {
        self.instances = instances
        self.timeout = timeout
    }

    /// Purges every object tagged with any of `tags` from every instance,
    /// concurrently. Returns how many objects each instance dropped. Throws ``VarnishPurgeError`` when
    /// an instance cannot be reached or refuses — a purge is never silently
    /// lost.
    @discardableResult
    public func purge(tags: [String]) async throws -> [String: Int] {
        let keys = tags.flatMap { CacheTagHeader.split($0) }
        guard !keys.isEmpty else { return [:] }
        return try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for instance in instances {
                group.addTask { (instance, try await purge(keys, at: instance)) }
            }
            var answers: [String: Int] = [:]
            for try await (instance, answer) in group { answers[instance] = answer }
            return answers
        }
    }

    private func purge(_ keys: [String], at instance: String) async throws -> Int {
        var request = HTTPClientRequest(url: instance.hasSuffix("/") ? instance : instance + "/")
        request.method = .RAW(value: VarnishXkeyVCL.purgeMethod)
        request.headers.add(name: VarnishXkeyVCL.purgeField, value: keys.joined(separator: " "))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: timeout)
        } catch {
            throw VarnishPurgeError.unreachable(instance: instance, reason: "\(error)")
        }
        let reason = response.status.reasonPhrase
        _ = try? await response.body.collect(upTo: 1 << 16)
        guard response.status == .ok else {
            throw VarnishPurgeError.refused(instance: instance, status: Int(response.status.code), reason: reason)
        }
        guard let purged = response.headers.first(name: VarnishXkeyVCL.purgedField).flatMap({ Int($0) }) else {
            throw VarnishPurgeError.refused(
                instance: instance, status: Int(response.status.code),
                reason: "no \(VarnishXkeyVCL.purgedField) in the answer, so not the purge VCL")
        }
        return purged
    }
}

/// Why a purge failed, naming the instance and what to fix.
public enum VarnishPurgeError: Error, Sendable, CustomStringConvertible {
    /// The instance could not be reached.
    case unreachable(instance: String, reason: String)
    /// The instance answered with another status than 200.
    case refused(instance: String, status: Int, reason: String)

    public var description: String {
        switch self {
        case .unreachable(let instance, let reason):
            return "could not reach Varnish at \(instance) (\(reason)); check the address and that varnishd runs"
        case .refused(let instance, let status, let reason):
            return "Varnish at \(instance) refused the purge: \(status) \(reason); "
                + "load the VCL of `cachectl generate-vcl --xkey` and purge from an address its ACL allows"
        }
    }
}
