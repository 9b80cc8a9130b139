import Foundation
import Testing

@testable import Store

@Suite struct RowIDTests {
    @Test func rowIDsAreLowercaseVersion4UUIDs() {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let id = RowID.make()
            let uuid = UUID(uuidString: id)
            #expect(uuid != nil)
            #expect(uuid?.uuidString.lowercased() == id)
            let bytes = Array(id.utf8)
            #expect(bytes[14] == UInt8(ascii: "4"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]))
            seen.insert(id)
        }
        #expect(seen.count == 1_000)
    }
}
