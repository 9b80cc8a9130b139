import Crypto
import Foundation
import SyncCore

/// What central keeps of a settled change as it was received: the SHA-256 of its canonical wire
/// form. It is only ever compared with a resent change of the same sequence (PushProcessor's
/// reuse check); the accepted form is in the log, so storing the received text again doubled the
/// bytes per change (issue #15).
enum ReceivedChangeDigest {
    static func of(_ change: Change) -> Data { of(canonical: Array(change.wire.canonicalString.utf8)) }

    static func of(canonical text: [UInt8]) -> Data { Data(SHA256.hash(data: text)) }
}
