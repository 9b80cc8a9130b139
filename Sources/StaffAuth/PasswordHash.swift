import Crypto
import Foundation
import _CryptoExtras

/// Slow salted password hashes, stored as `scrypt$LOG2N$R$P$SALT$HASH` (salt and hash in
/// unpadded base64url). scrypt comes from swift-crypto's `_CryptoExtras` (BoringSSL); nothing
/// here is home-made crypto. The parameters travel in the string so they can be raised later
/// without invalidating existing hashes.
package enum PasswordHash {
    /// scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s on a workstation), the interactive
    /// setting recommended by the scrypt paper and OWASP.
    package static let defaultLog2N = 15
    package static let blockSize = 8
    package static let parallelism = 1
    static let saltBytes = 16
    static let hashBytes = 32
    /// Passwords are at least this long (characters).
    package static let minimumPasswordLength = 8
    /// …and at most this long (bytes), so a huge "password" cannot tie up a core.
    package static let maximumPasswordBytes = 1024

    package enum Failure: Error, Equatable, CustomStringConvertible {
        case tooShort
        case tooLong
        case malformedHash
        case derivationFailed(String)

        package var description: String {
            switch self {
            case .tooShort: "a password needs at least \(PasswordHash.minimumPasswordLength) characters"
            case .tooLong: "a password may have at most \(PasswordHash.maximumPasswordBytes) bytes"
            case .malformedHash: "the stored password hash is not a scrypt$… hash"
            case .derivationFailed(let reason): "scrypt failed: \(reason)"
            }
        }
    }

    /// Checks a new password's length (the only rule: long passphrases beat composition rules).
    package static func checkStrength(_ password: String) throws(Failure) {
        guard password.count >= minimumPasswordLength else { throw .tooShort }
        guard password.utf8.count <= maximumPasswordBytes else { throw .tooLong }
    }

    /// Hashes `password` with a fresh random salt.
    package static func make(_ password: String, log2N: Int = defaultLog2N) throws(Failure) -> String {
        try checkStrength(password)
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let hash = try derive(password, salt: salt, log2N: log2N, byteCount: hashBytes)
        return ["scrypt", "\(log2N)", "\(blockSize)", "\(parallelism)", Base64URL.encode(salt), Base64URL.encode(hash)]
            .joined(separator: "$")
    }

    /// True when `password` matches `stored`; the comparison takes the same time wherever the
    /// hashes differ.
    package static func verify(_ password: String, against stored: String) throws(Failure) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let log2N = Int(parts[1]), (10...20).contains(log2N),
            let r = Int(parts[2]), r == blockSize, let p = Int(parts[3]), p == parallelism,
            let salt = Base64URL.decode(String(parts[4])), let expected = Base64URL.decode(String(parts[5])),
            !salt.isEmpty, expected.count == hashBytes
        else { throw .malformedHash }
        guard password.utf8.count <= maximumPasswordBytes else { return false }
        let actual = try derive(password, salt: salt, log2N: log2N, byteCount: expected.count)
        return ConstantTime.equal(actual, expected)
    }

    static func derive(_ password: String, salt: [UInt8], log2N: Int, byteCount: Int) throws(Failure) -> [UInt8] {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: byteCount,
                rounds: 1 << log2N, blockSize: blockSize, parallelism: parallelism)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw .derivationFailed("\(error)")
        }
    }
}
