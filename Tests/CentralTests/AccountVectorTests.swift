import Foundation
import StaffAuth
import SyncCore
import Testing

/// protocol/vectors/accounts-response.json carries real scrypt hashes of its sample passwords,
/// so an implementer can check their verifier against it.
@Suite struct AccountVectorTests {
    @Test func theVectorsHashesVerifyTheirSamplePasswords() throws {
        let protocolDirectory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "protocol")
        let bytes = try Data(contentsOf: protocolDirectory.appendingPathComponent("vectors/accounts-response.json"))
        let accounts = try AccountsResponse.decode(Array(bytes)).accounts
        let passwords = ["maria@kct.example": "correct horse battery", "james@kct.example": "another long passphrase"]
        #expect(accounts.count == passwords.count)
        for account in accounts {
            let password = try #require(passwords[account.email])
            #expect(try PasswordHash.verify(password, against: account.passwordHash))
            #expect(try !PasswordHash.verify(password + "!", against: account.passwordHash))
        }
    }
}
