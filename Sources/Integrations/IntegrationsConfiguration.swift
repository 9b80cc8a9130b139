/// A provider credential. Its description never shows the value, so a configuration can be
/// logged or printed without leaking it.
package struct ProviderSecret: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    package let value: String

    package init(_ value: String) { self.value = value }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
}

/// Which providers central talks to, with their credentials. Each provider is optional: a
/// feature whose provider is missing is refused with `IntegrationsConfiguration.notConfigured`.
/// Read from a file (`init(contentsOfFile:)`, refused unless mode 0600) or the environment
/// (`init(environment:)`); the keys are listed in `IntegrationsConfiguration.Key`.
package struct IntegrationsConfiguration: Hashable, Sendable {
    package var stripe: StripeConfiguration?
    package var easyPost: EasyPostConfiguration?
    package var sendGrid: SendGridConfiguration?
    /// Where parcels ship from and what e-mails come from.
    package var shop: ShopConfiguration

    package init(
        stripe: StripeConfiguration? = nil, easyPost: EasyPostConfiguration? = nil,
        sendGrid: SendGridConfiguration? = nil, shop: ShopConfiguration = ShopConfiguration()
    ) {
        self.stripe = stripe
        self.easyPost = easyPost
        self.sendGrid = sendGrid
        self.shop = shop
    }

    /// Nothing configured: every provider feature says so.
    package var isEmpty: Bool { stripe == nil && easyPost == nil && sendGrid == nil }

    /// The message for a feature whose provider is missing, naming what to set.
    package static func notConfigured(_ provider: IntegrationProvider) -> String {
        let key = provider.requiredKey.rawValue
        return
            "\(provider.displayName) is not configured at central: set \(key) in the file given to "
            + "`kct central serve --integrations FILE` or in central's environment"
    }
}

/// The three providers.
package enum IntegrationProvider: String, CaseIterable, Hashable, Sendable {
    case stripe, easyPost = "easypost", sendGrid = "sendgrid"

    package var displayName: String {
        switch self {
        case .stripe: "Stripe"
        case .easyPost: "EasyPost"
        case .sendGrid: "SendGrid"
        }
    }

    /// The key whose presence turns the provider on.
    var requiredKey: IntegrationsConfiguration.Key {
        switch self {
        case .stripe: .stripeSecretKey
        case .easyPost: .easyPostAPIKey
        case .sendGrid: .sendGridAPIKey
        }
    }
}

package struct StripeConfiguration: Hashable, Sendable {
    package var secretKey: ProviderSecret
    /// `whsec_…`; without it central refuses every Stripe webhook.
    package var webhookSecret: ProviderSecret?
    /// Stripe's test mode is the same URL with an `sk_test_` key; tests point this at a stand-in.
    package var baseURL: String

    package init(secretKey: ProviderSecret, webhookSecret: ProviderSecret? = nil, baseURL: String? = nil) {
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
        self.baseURL = providerBaseURL(baseURL, default: StripeAPI.defaultBaseURL)
    }

}

package struct EasyPostConfiguration: Hashable, Sendable {
    /// The test key (`EZTK…`) buys test labels at no cost.
    package var apiKey: ProviderSecret
    package var webhookSecret: ProviderSecret?
    package var baseURL: String

    package init(apiKey: ProviderSecret, webhookSecret: ProviderSecret? = nil, baseURL: String? = nil) {
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
        self.baseURL = providerBaseURL(baseURL, default: EasyPostAPI.defaultBaseURL)
    }
}

package struct SendGridConfiguration: Hashable, Sendable {
    package var apiKey: ProviderSecret
    /// The event webhook's verification key: base64 DER (SPKI) of a P-256 public key.
    package var webhookPublicKey: String?
    package var baseURL: String

    package init(apiKey: ProviderSecret, webhookPublicKey: String? = nil, baseURL: String? = nil) {
        self.apiKey = apiKey
        self.webhookPublicKey = webhookPublicKey
        self.baseURL = providerBaseURL(baseURL, default: SendGridAPI.defaultBaseURL)
    }
}

/// The shop's own details: the parcels' from-address and the e-mails' sender.
package struct ShopConfiguration: Hashable, Sendable {
    package var name: String
    package var fromAddress: PostalAddress?
    package var fromEmail: String?
    /// Where customers write back, if not `fromEmail`.
    package var replyToEmail: String?

    package init(
        name: String = "KCT Menswear", fromAddress: PostalAddress? = nil, fromEmail: String? = nil,
        replyToEmail: String? = nil
    ) {
        self.name = name
        self.fromAddress = fromAddress
        self.fromEmail = fromEmail
        self.replyToEmail = replyToEmail
    }
}

/// A provider's base URL without trailing slashes (paths are appended with one), or the
/// provider's own when none is given (a stand-in's address replaces it in tests).
func providerBaseURL(_ url: String?, default defaultURL: String) -> String {
    guard var url, !url.isEmpty else { return defaultURL }
    while url.hasSuffix("/") { url.removeLast() }
    return url
}
