import Mustache
import OrderDomain

/// The customer e-mails, rendered with Mustache from the templates in `EmailTemplates/` (one
/// `NAME.txt.mustache` and one `NAME.html.mustache` per `CustomerEmail`, plus `_`-prefixed
/// partials). They are compiled into the binary (SwiftPM `.embedInCode`), so central needs no
/// files beside it.
///
/// The text template's first line is `Subject: …`, the subject; the rest is the plain-text body.
/// HTML templates escape every `{{value}}` (customer-provided text included); text templates
/// are rendered without escaping.
package struct EmailTemplates: Sendable {

    private let library: MustacheLibrary

    /// Parses the embedded templates.
    package init() throws(EmailTemplateError) {
        var sources: [(name: String, bytes: [UInt8], isText: Bool)] = [
            ("_header.html", PackageResources._header_html_mustache, false),
            ("_footer.html", PackageResources._footer_html_mustache, false),
            ("_footer.txt", PackageResources._footer_txt_mustache, true),
            ("_items.html", PackageResources._items_html_mustache, false),
            ("_items.txt", PackageResources._items_txt_mustache, true),
        ]
        for type in CustomerEmail.allCases {
            let (text, html) = Self.embedded(type)
            sources.append(("\(type.rawValue).txt", text, true))
            sources.append(("\(type.rawValue).html", html, false))
        }
        var library = MustacheLibrary()
        for source in sources {
            var text = String(decoding: source.bytes, as: UTF8.self)
            if source.isText, !source.name.hasPrefix("_") {
                // The subject is its own template, so a value with a line break cannot end it early.
                let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
                guard let first = lines.first, first.hasPrefix("Subject: ") else {
                    throw .unparsable(template: source.name, reason: "the first line must be 'Subject: …'")
                }
                try Self.register(
                    "{{% CONTENT_TYPE: TEXT}}" + first.dropFirst("Subject: ".count), named: "\(source.name).subject",
                    in: &library)
                text = lines.count > 1 ? String(lines[1]) : ""
            }
            // Text bodies are not HTML: the pragma turns escaping off for the whole template.
            try Self.register(
                (source.isText ? "{{% CONTENT_TYPE: TEXT}}\n" : "") + text, named: source.name, in: &library)
        }
        self.library = library
    }

    private static func register(_ text: String, named name: String, in library: inout MustacheLibrary)
        throws(EmailTemplateError)
    {
        do {
            try library.register(text, named: name)
        } catch {
            throw .unparsable(template: name, reason: "\(error)")
        }
    }

    /// The e-mail of `type` for an order.
    package func render(_ type: CustomerEmail, facts: EmailFacts) throws(EmailTemplateError) -> RenderedEmail {
        guard let subject = library.render(facts, withTemplate: "\(type.rawValue).txt.subject"),
            let text = library.render(facts, withTemplate: "\(type.rawValue).txt"),
            let html = library.render(facts, withTemplate: "\(type.rawValue).html")
        else { throw .noTemplate(type.rawValue) }
        // A header line: no line breaks, whatever the customer typed.
        let oneLine = String(subject.map { $0.isNewline ? " " : $0 })
        return RenderedEmail(
            template: type, subject: oneLine.trimmingSpaces, text: text.trimmingLeadingNewlines, html: html)
    }

    private static func embedded(_ type: CustomerEmail) -> (text: [UInt8], html: [UInt8]) {
        switch type {
        case .orderConfirmation:
            (PackageResources.order_confirmation_txt_mustache, PackageResources.order_confirmation_html_mustache)
        case .paymentConfirmation:
            (PackageResources.payment_confirmation_txt_mustache, PackageResources.payment_confirmation_html_mustache)
        case .shippingNotification:
            (PackageResources.shipping_notification_txt_mustache, PackageResources.shipping_notification_html_mustache)
        case .deliveryConfirmation:
            (PackageResources.delivery_confirmation_txt_mustache, PackageResources.delivery_confirmation_html_mustache)
        case .exceptionNotice:
            (PackageResources.exception_notice_txt_mustache, PackageResources.exception_notice_html_mustache)
        case .satisfactionSurvey:
            (PackageResources.satisfaction_survey_txt_mustache, PackageResources.satisfaction_survey_html_mustache)
        }
    }
}

/// What the templates may show: the order's facts, already formatted.
package struct EmailFacts: Sendable {
    package struct Line: Sendable {
        package var name: String
        package var quantity: Int
        /// Size and colour, e.g. `42R, navy`.
        package var details: String?
        /// `1798.00 USD`.
        package var lineTotal: String

        package init(name: String, quantity: Int, details: String? = nil, lineTotal: Money) {
            self.name = name
            self.quantity = quantity
            self.details = details
            self.lineTotal = lineTotal.description
        }
    }

    package var shopName: String
    package var shopEmail: String?
    package var customerName: String
    package var orderNumber: String
    package var items: [Line]
    package var orderTotal: String
    /// `2026-12-24`.
    package var neededBy: String?
    package var paymentAmount: String?
    package var carrier: String?
    package var service: String?
    package var trackingCode: String?
    package var trackingURL: String?
    package var exceptionReason: String?
    package var surveyURL: String?

    package init(
        shopName: String, shopEmail: String? = nil, customerName: String, orderNumber: String, items: [Line] = [],
        orderTotal: Money, neededBy: String? = nil, paymentAmount: Money? = nil, carrier: String? = nil,
        service: String? = nil, trackingCode: String? = nil, trackingURL: String? = nil,
        exceptionReason: String? = nil, surveyURL: String? = nil
    ) {
        self.shopName = shopName
        self.shopEmail = shopEmail
        self.customerName = customerName
        self.orderNumber = orderNumber
        self.items = items
        self.orderTotal = orderTotal.description
        self.neededBy = neededBy
        self.paymentAmount = paymentAmount?.description
        self.carrier = carrier
        self.service = service
        self.trackingCode = trackingCode
        self.trackingURL = trackingURL
        self.exceptionReason = exceptionReason
        self.surveyURL = surveyURL
    }
}

/// One rendered e-mail.
package struct RenderedEmail: Hashable, Sendable {
    package var template: CustomerEmail
    package var subject: String
    package var text: String
    package var html: String
}

package enum EmailTemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    case noTemplate(String)
    case unparsable(template: String, reason: String)

    package var description: String {
        switch self {
        case .noTemplate(let name):
            "no e-mail template named '\(name)'; templates: "
                + CustomerEmail.allCases.map(\.rawValue).joined(separator: ", ")
        case .unparsable(let template, let reason): "e-mail template \(template) does not parse: \(reason)"
        }
    }
}

extension String {
    fileprivate var trimmingLeadingNewlines: String {
        String(drop { $0.isNewline })
    }
}
