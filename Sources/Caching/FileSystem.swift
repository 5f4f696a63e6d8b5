#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few blocking POSIX file operations the file backend needs, with errors
/// that name the path and the system's reason. Call only off the event loops.
enum FileSystem {
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var path: String
        var code: Int32

        var description: String {
            "\(operation) '\(path)': \(String(cString: strerror(code)))"
        }
    }

    /// The whole file, or `nil` when it does not exist.
    static func readFile(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw Failure(operation: "open", path: path, code: errno)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "read", path: path, code: errno)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// Removes a file; `false` when it did not exist.
    @discardableResult
    static func removeFile(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT || errno == ENOTDIR { return false }
        throw Failure(operation: "unlink", path: path, code: errno)
    }

    /// Creates a directory and its missing parents with mode 0700.
    static func makeDirectory(_ path: String) throws {
        var isDirectory = stat()
        if stat(path, &isDirectory) == 0 { return }
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw Failure(operation: "mkdir", path: prefix, code: errno)
            }
        }
    }

    /// The names in a directory; empty when it does not exist.
    static func entries(of path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw Failure(operation: "opendir", path: path, code: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Writes `bytes` to a temporary file in `directory`, then renames it over
    /// `path`, so readers see the old file or the new one, never a torn one.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws {
        let temporary = try writeTemporary(bytes, directory: directory)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw Failure(operation: "rename", path: path, code: code)
        }
    }

    /// Writes `bytes` to `path` only if no file is there, atomically (a hard link
    /// of a complete temporary file): of two concurrent callers exactly one wins.
    /// Returns `false` when a file already exists.
    static func createExclusively(_ bytes: [UInt8], at path: String, directory: String) throws -> Bool {
        let temporary = try writeTemporary(bytes, directory: directory)
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw Failure(operation: "link", path: path, code: errno)
    }

    /// Writes a complete temporary file in `directory` and returns its path.
    private static func writeTemporary(_ bytes: [UInt8], directory: String) throws -> String {
        var template = Array((directory + "/.tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        if fd < 0 { throw Failure(operation: "create temporary file in", path: directory, code: errno) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(fd, base + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let code = errno
                unlink(temporary)
                throw Failure(operation: "write", path: temporary, code: code)
            }
            offset += written
        }
        return temporary
    }
}
