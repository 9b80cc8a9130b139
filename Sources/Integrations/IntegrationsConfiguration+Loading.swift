import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationsConfiguration {
    /// Every setting, by the name it has in the environment and in a `KEY=value` file (a JSON
    /// file uses the same names as object keys).
    package enum Key: String, CaseIterable, Sendable {
        case stripeSecretKey = "KCT_STRIPE_SECRET_KEY"
        case stripeWebhookSecret = "KCT_STRIPE_WEBHOOK_SECRET"
        case stripeBaseURL = "KCT_STRIPE_BASE_URL"
        case easyPostAPIKey = "KCT_EASYPOST_API_KEY"
        case easyPostWebhookSecret = "KCT_EASYPOST_WEBHOOK_SECRET"
        case easyPostBaseURL = "KCT_EASYPOST_BASE_URL"
        case sendGridAPIKey = "KCT_SENDGRID_API_KEY"
        case sendGridWebhookPublicKey = "KCT_SENDGRID_WEBHOOK_PUBLIC_KEY"
        case sendGridBaseURL = "KCT_SENDGRID_BASE_URL"
        case shopName = "KCT_SHOP_NAME"
        case shopFromEmail = "KCT_SHOP_FROM_EMAIL"
        case shopReplyToEmail = "KCT_SHOP_REPLY_TO_EMAIL"
        case shopFromName = "KCT_SHOP_FROM_ADDRESS_NAME"
        case shopFromCompany = "KCT_SHOP_FROM_ADDRESS_COMPANY"
        case shopFromStreet1 = "KCT_SHOP_FROM_ADDRESS_STREET1"
        case shopFromStreet2 = "KCT_SHOP_FROM_ADDRESS_STREET2"
        case shopFromCity = "KCT_SHOP_FROM_ADDRESS_CITY"
        case shopFromState = "KCT_SHOP_FROM_ADDRESS_STATE"
        case shopFromZip = "KCT_SHOP_FROM_ADDRESS_ZIP"
        case shopFromCountry = "KCT_SHOP_FROM_ADDRESS_COUNTRY"
        case shopFromPhone = "KCT_SHOP_FROM_ADDRESS_PHONE"
    }

    /// From the process environment (or any name → value map); unknown `KCT_` names are ignored
    /// here because other parts of kct read their own.
    package init(environment: [String: String]) throws(IntegrationsConfigurationError) {
        var values: [Key: String] = [:]
        for key in Key.allCases {
            if let value = environment[key.rawValue]?.trimmingSpaces, !value.isEmpty { values[key] = value }
        }
        try self.init(values: values, source: "the environment")
    }

    /// From a file holding secrets: refused unless only its owner may read it (mode 0600 or
    /// 0400). JSON (`{"KCT_STRIPE_SECRET_KEY": "sk_test_…", …}`) when it starts with `{`,
    /// otherwise `KEY=value` lines (blank lines and `#` comments allowed; quotes around a value
    /// are removed). Unknown keys are refused so a typo is not silently ignored.
    package init(contentsOfFile path: String) throws(IntegrationsConfigurationError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .tooOpen(path: path, mode: String(mode, radix: 8))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let values =
            text.trimmingSpaces.hasPrefix("{")
            ? try Self.parseJSON(data, path: path) : try Self.parseKeyValueLines(text, path: path)
        try self.init(values: values, source: path)
    }

    private static func parseJSON(_ data: Data, path: String) throws(IntegrationsConfigurationError) -> [Key: String] {
        let object: [String: String]
        do {
            object = try JSONDecoder().decode([String: String].self, from: data)
        } catch {
            throw .malformed(path: path, line: nil, reason: "expected a JSON object of string values (\(error))")
        }
        var values: [Key: String] = [:]
        for (name, value) in object {
            guard let key = Key(rawValue: name) else { throw .unknownKey(path: path, key: name) }
            if !value.trimmingSpaces.isEmpty { values[key] = value.trimmingSpaces }
        }
        return values
    }

    private static func parseKeyValueLines(_ text: String, path: String) throws(IntegrationsConfigurationError)
        -> [Key: String]
    {
        var values: [Key: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).replacingOccurrences(of: "\r", with: "").trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            let withoutExport = line.hasPrefix("export ") ? String(line.dropFirst(7)).trimmingSpaces : line
            guard let equals = withoutExport.firstIndex(of: "=") else {
                throw .malformed(path: path, line: index + 1, reason: "expected KEY=value")
            }
            let name = String(withoutExport[..<equals]).trimmingSpaces
            var value = String(withoutExport[withoutExport.index(after: equals)...]).trimmingSpaces
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard let key = Key(rawValue: name) else { throw .unknownKey(path: path, key: name) }
            if !value.isEmpty { values[key] = value }
        }
        return values
    }

    private init(values: [Key: String], source: String) throws(IntegrationsConfigurationError) {
        func secret(_ key: Key) -> ProviderSecret? { values[key].map(ProviderSecret.init) }
        func requiring(_ key: Key, for provider: Key) throws(IntegrationsConfigurationError) {
            if values[key] != nil, values[provider] == nil {
                throw .incomplete(source: source, reason: "\(key.rawValue) is set but \(provider.rawValue) is not")
            }
        }
        for (key, provider) in [
            (Key.stripeWebhookSecret, Key.stripeSecretKey), (.stripeBaseURL, .stripeSecretKey),
            (.easyPostWebhookSecret, .easyPostAPIKey), (.easyPostBaseURL, .easyPostAPIKey),
            (.sendGridWebhookPublicKey, .sendGridAPIKey), (.sendGridBaseURL, .sendGridAPIKey),
        ] {
            try requiring(key, for: provider)
        }
        for key in [Key.stripeBaseURL, .easyPostBaseURL, .sendGridBaseURL] {
            if let url = values[key], !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                throw .incomplete(source: source, reason: "\(key.rawValue) must be an http:// or https:// URL")
            }
        }
        let stripe = secret(.stripeSecretKey).map {
            StripeConfiguration(
                secretKey: $0, webhookSecret: secret(.stripeWebhookSecret), baseURL: values[.stripeBaseURL])
        }
        let easyPost = secret(.easyPostAPIKey).map {
            EasyPostConfiguration(
                apiKey: $0, webhookSecret: secret(.easyPostWebhookSecret), baseURL: values[.easyPostBaseURL])
        }
        let sendGrid = secret(.sendGridAPIKey).map {
            SendGridConfiguration(
                apiKey: $0, webhookPublicKey: values[.sendGridWebhookPublicKey], baseURL: values[.sendGridBaseURL])
        }
        if let key = sendGrid?.webhookPublicKey {
            do {
                _ = try SendGridWebhookVerifier(publicKeyBase64: key)
            } catch {
                throw .incomplete(source: source, reason: "\(Key.sendGridWebhookPublicKey.rawValue): \(error)")
            }
        }
        if sendGrid != nil, values[.shopFromEmail] == nil {
            throw .incomplete(
                source: source,
                reason: "\(Key.sendGridAPIKey.rawValue) needs \(Key.shopFromEmail.rawValue), the sender of e-mails")
        }
        let addressKeys: [Key] = [.shopFromStreet1, .shopFromCity, .shopFromZip, .shopFromCountry]
        var fromAddress: PostalAddress?
        if addressKeys.contains(where: { values[$0] != nil }) || easyPost != nil {
            let missing = addressKeys.filter { values[$0] == nil }.map(\.rawValue)
            guard missing.isEmpty else {
                throw .incomplete(
                    source: source,
                    reason: "the shop's from-address needs \(missing.joined(separator: ", "))"
                        + (easyPost != nil ? " (EasyPost ships from it)" : ""))
            }
            fromAddress = PostalAddress(
                name: values[.shopFromName] ?? values[.shopName] ?? "KCT Menswear",
                company: values[.shopFromCompany], street1: values[.shopFromStreet1]!,
                street2: values[.shopFromStreet2], city: values[.shopFromCity]!, state: values[.shopFromState],
                zip: values[.shopFromZip]!, country: values[.shopFromCountry]!, phone: values[.shopFromPhone],
                email: values[.shopFromEmail])
        }
        self.init(
            stripe: stripe, easyPost: easyPost, sendGrid: sendGrid,
            shop: ShopConfiguration(
                name: values[.shopName] ?? "KCT Menswear", fromAddress: fromAddress,
                fromEmail: values[.shopFromEmail], replyToEmail: values[.shopReplyToEmail]))
    }
}

/// Why the integrations configuration was refused. Messages name keys, never values.
package enum IntegrationsConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    /// Group or others may read the file.
    case tooOpen(path: String, mode: String)
    case malformed(path: String, line: Int?, reason: String)
    case unknownKey(path: String, key: String)
    case incomplete(source: String, reason: String)

    package var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read integrations file \(path): \(reason)"
        case .tooOpen(let path, let mode):
            "integrations file \(path) holds secrets but has mode \(mode); run `chmod 600 \(path)` and try again"
        case .malformed(let path, let line, let reason):
            "integrations file \(path)\(line.map { " line \($0)" } ?? ""): \(reason)"
        case .unknownKey(let path, let key):
            "integrations file \(path): unknown key \(key) (known: "
                + IntegrationsConfiguration.Key.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        case .incomplete(let source, let reason): "integrations configuration from \(source): \(reason)"
        }
    }
}
