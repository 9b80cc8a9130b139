import Crypto
import Foundation

/// Random bearer secrets (node tokens, session tokens): 32 random bytes in base64url behind a
/// prefix saying what they are. Only their SHA-256 is stored; a presented token is hashed and
/// compared in constant time.
package enum SecretToken {
    /// A new token, e.g. `kct_…` for a node, `kcts_…` for a session.
    package static func generate(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Base64URL.encode(bytes)
    }

    package static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// True when `token` hashes to `storedHash`, in time independent of where they differ.
    package static func matches(_ token: String, storedHash: [UInt8]) -> Bool {
        ConstantTime.equal(hash(token), storedHash)
    }
}

/// Comparisons of secrets that take the same time wherever the inputs differ.
package enum ConstantTime {
    package static func equal(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}

/// Unpadded base64url (RFC 4648 §5), as tokens and hashes are written.
package enum Base64URL {
    package static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    package static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
