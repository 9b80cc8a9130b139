import Foundation
import Integrations
import Testing

@Suite struct ConfigurationTests {
    /// Writes `text` to a new file with `mode`; the path.
    func file(_ text: String, mode: Int) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kct-integrations-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("integrations.env").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    static let full = """
        # KCT central integrations (test mode)
        KCT_STRIPE_SECRET_KEY=sk_test_123
        KCT_STRIPE_WEBHOOK_SECRET="whsec_abc"
        KCT_STRIPE_BASE_URL=http://127.0.0.1:9999/
        export KCT_EASYPOST_API_KEY=EZTK456
        KCT_EASYPOST_WEBHOOK_SECRET=ep-secret
        KCT_SENDGRID_API_KEY=SG.789
        KCT_SHOP_FROM_EMAIL=shop@kct.example
        KCT_SHOP_FROM_ADDRESS_STREET1=1 Shop St
        KCT_SHOP_FROM_ADDRESS_CITY=Kansas City
        KCT_SHOP_FROM_ADDRESS_STATE=MO
        KCT_SHOP_FROM_ADDRESS_ZIP=64105
        KCT_SHOP_FROM_ADDRESS_COUNTRY=US
        """

    @Test func keyValueFileWithOwnerOnlyModeIsRead() throws {
        let configuration = try IntegrationsConfiguration(contentsOfFile: try file(Self.full, mode: 0o600))
        let stripe = try #require(configuration.stripe)
        #expect(stripe.secretKey.value == "sk_test_123")
        #expect(stripe.webhookSecret?.value == "whsec_abc")
        #expect(stripe.baseURL == "http://127.0.0.1:9999")
        #expect(configuration.easyPost?.baseURL == "https://api.easypost.com")
        #expect(configuration.sendGrid?.apiKey.value == "SG.789")
        #expect(configuration.sendGrid?.webhookPublicKey == nil)
        #expect(configuration.shop.fromAddress?.city == "Kansas City")
        #expect(configuration.shop.fromEmail == "shop@kct.example")
        let printed = "\(configuration)" + String(reflecting: configuration)
        for secret in ["sk_test_123", "whsec_abc", "EZTK456", "ep-secret", "SG.789"] {
            #expect(!printed.contains(secret), "\(secret) must not be printed")
        }
    }

    @Test func filesOthersCanReadAreRefused() throws {
        for mode in [0o644, 0o640, 0o604, 0o660] {
            let path = try file(Self.full, mode: mode)
            #expect(throws: IntegrationsConfigurationError.tooOpen(path: path, mode: String(mode, radix: 8))) {
                try IntegrationsConfiguration(contentsOfFile: path)
            }
        }
        let message = IntegrationsConfigurationError.tooOpen(path: "/etc/kct/i.env", mode: "644").description
        #expect(message.contains("chmod 600 /etc/kct/i.env"))
        #expect(throws: Never.self) { try IntegrationsConfiguration(contentsOfFile: try file(Self.full, mode: 0o400)) }
        #expect(throws: IntegrationsConfigurationError.self) {
            try IntegrationsConfiguration(contentsOfFile: "/nonexistent/kct-integrations.env")
        }
    }

    @Test func jsonFilesUseTheSameKeys() throws {
        let path = try file(
            #"{"KCT_STRIPE_SECRET_KEY": "sk_test_json", "KCT_STRIPE_BASE_URL": "https://stripe.test"}"#, mode: 0o600)
        let configuration = try IntegrationsConfiguration(contentsOfFile: path)
        #expect(configuration.stripe?.secretKey.value == "sk_test_json")
        #expect(configuration.stripe?.baseURL == "https://stripe.test")
        #expect(configuration.easyPost == nil && configuration.sendGrid == nil)
    }

    @Test func mistakesAreNamedWithoutValues() throws {
        let typo = try file("KCT_STRIPE_SECRET=sk_live_secret\n", mode: 0o600)
        #expect(throws: IntegrationsConfigurationError.unknownKey(path: typo, key: "KCT_STRIPE_SECRET")) {
            try IntegrationsConfiguration(contentsOfFile: typo)
        }
        let noEquals = try file("KCT_STRIPE_SECRET_KEY sk_live_secret\n", mode: 0o600)
        do {
            _ = try IntegrationsConfiguration(contentsOfFile: noEquals)
            Issue.record("a line without '=' must be refused")
        } catch {
            #expect(error == .malformed(path: noEquals, line: 1, reason: "expected KEY=value"))
            #expect(!error.description.contains("sk_live_secret"))
        }
    }

    @Test func environmentWithPartialProviders() throws {
        let configuration = try IntegrationsConfiguration(environment: [
            "KCT_STRIPE_SECRET_KEY": "sk_test_env", "PATH": "/usr/bin", "KCT_SENDGRID_BASE_URL": "",
        ])
        #expect(configuration.stripe?.baseURL == "https://api.stripe.com")
        #expect(configuration.easyPost == nil)
        #expect(try IntegrationsConfiguration(environment: [:]).isEmpty)
        #expect(IntegrationsConfiguration.notConfigured(.easyPost).contains("KCT_EASYPOST_API_KEY"))
    }

    @Test func incompleteProvidersAreRefused() {
        // A webhook secret without the provider's key, a provider without its shop details.
        let cases: [[String: String]] = [
            ["KCT_STRIPE_WEBHOOK_SECRET": "whsec"],
            ["KCT_EASYPOST_API_KEY": "EZ"],
            ["KCT_SENDGRID_API_KEY": "SG"],
            ["KCT_STRIPE_SECRET_KEY": "sk", "KCT_STRIPE_BASE_URL": "ftp://x"],
            ["KCT_SENDGRID_API_KEY": "SG", "KCT_SHOP_FROM_EMAIL": "a@b.c", "KCT_SENDGRID_WEBHOOK_PUBLIC_KEY": "bad"],
        ]
        for environment in cases {
            #expect(throws: IntegrationsConfigurationError.self, "\(environment.keys.sorted())") {
                try IntegrationsConfiguration(environment: environment)
            }
        }
    }
}
