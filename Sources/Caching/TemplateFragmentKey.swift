import Crypto

/// Django 6.1.3's `make_template_fragment_key`: `template.cache.<name>.<md5>`,
/// the md5 taken over each vary value as a netstring (`<length>:<utf-8>,`), so
/// values containing separators cannot collide. The name is not hashed.
///
/// `makeTemplateFragmentKey("a.fragment")` is
/// `template.cache.a.fragment.d41d8cd98f00b204e9800998ecf8427e`;
/// `makeTemplateFragmentKey("foo", varyOn: ["abc"])` is
/// `template.cache.foo.a6360ec2c58ecc4b23fd5bd00216fccd`.
public func makeTemplateFragmentKey(_ name: String, varyOn values: [any CustomStringConvertible] = []) -> String {
    var hasher = Insecure.MD5()
    for value in values {
        let bytes = Array(value.description.utf8)
        hasher.update(data: Array("\(bytes.count):".utf8) + bytes + [UInt8(ascii: ",")])
    }
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    for byte in hasher.finalize() {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0F)])
    }
    return "template.cache.\(name).\(String(decoding: hex, as: UTF8.self))"
}
