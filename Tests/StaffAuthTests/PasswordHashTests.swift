import Testing

@testable import StaffAuth

@Suite struct PasswordHashTests {
    /// Tests use a smaller cost than the default; the format and the code path are the same.
    static let cost = 10

    @Test func verifiesTheRightPasswordOnly() throws {
        let stored = try PasswordHash.make("correct horse battery", log2N: Self.cost)
        #expect(stored.hasPrefix("scrypt$10$8$1$"))
        #expect(try PasswordHash.verify("correct horse battery", against: stored))
        #expect(try !PasswordHash.verify("correct horse batterz", against: stored))
        #expect(try !PasswordHash.verify("", against: stored))
    }

    @Test func saltsDiffer() throws {
        let first = try PasswordHash.make("same password", log2N: Self.cost)
        let second = try PasswordHash.make("same password", log2N: Self.cost)
        #expect(first != second)
        #expect(try PasswordHash.verify("same password", against: second))
    }

    @Test func defaultCostIsTheDocumentedOne() throws {
        let stored = try PasswordHash.make("a longer passphrase")
        #expect(stored.hasPrefix("scrypt$15$8$1$"))
        #expect(try PasswordHash.verify("a longer passphrase", against: stored))
    }

    @Test func refusesWeakAndHugePasswords() {
        #expect(throws: PasswordHash.Failure.tooShort) { try PasswordHash.make("short", log2N: Self.cost) }
        #expect(throws: PasswordHash.Failure.tooLong) {
            try PasswordHash.make(String(repeating: "x", count: 2000), log2N: Self.cost)
        }
    }

    @Test(arguments: [
        "", "scrypt", "bcrypt$10$8$1$AAAA$AAAA", "scrypt$99$8$1$AAAA$AAAA", "scrypt$10$8$1$!!$AAAA",
        "scrypt$10$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
    ])
    func malformedHashesAreErrorsNotMatches(_ stored: String) {
        #expect(throws: PasswordHash.Failure.malformedHash) { try PasswordHash.verify("whatever123", against: stored) }
    }

    @Test func tokensAreRandomAndMatchOnlyTheirHash() {
        let token = SecretToken.generate(prefix: "kcts_")
        let other = SecretToken.generate(prefix: "kcts_")
        #expect(token.hasPrefix("kcts_") && token != other && token.count == 5 + 43)
        let stored = SecretToken.hash(token)
        #expect(SecretToken.matches(token, storedHash: stored))
        #expect(!SecretToken.matches(other, storedHash: stored))
        #expect(!SecretToken.matches(token + "x", storedHash: stored))
    }

    @Test func constantTimeEqualAndBase64URL() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        let bytes: [UInt8] = [0xfb, 0xff, 0x00, 0x10]
        #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        #expect(!Base64URL.encode(bytes).contains("+") && !Base64URL.encode(bytes).contains("/"))
        #expect(Base64URL.decode("a=b") == nil)
    }
}
