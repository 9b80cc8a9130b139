import Integrations
import OrderDomain
import Testing

@Suite struct EmailTemplateTests {
    let templates: EmailTemplates
    init() throws { templates = try EmailTemplates() }

    func facts(customerName: String = "Ana Díaz") -> EmailFacts {
        EmailFacts(
            shopName: "KCT Menswear", shopEmail: "care@kct.example", customerName: customerName,
            orderNumber: "KCT-0042",
            items: [
                .init(
                    name: "Navy suit", quantity: 1, details: "42R", lineTotal: Money(minorUnits: 89_900, currency: .usd)
                )
            ],
            orderTotal: Money(minorUnits: 104_900, currency: .usd),
            paymentAmount: Money(minorUnits: 104_900, currency: .usd),
            carrier: "USPS", service: "Priority", trackingCode: "EZ100",
            trackingURL: "https://track.example/EZ100?a=1&b=2",
            exceptionReason: "parcel returned to sender")
    }

    @Test(arguments: CustomerEmail.allCases) func everyTemplateRenders(email: CustomerEmail) throws {
        let rendered = try templates.render(email, facts: facts())
        #expect(rendered.template == email)
        #expect(rendered.subject.contains("KCT-0042"))
        #expect(!rendered.subject.contains("\n"))
        #expect(rendered.text.contains("Dear Ana Díaz,"))
        #expect(rendered.html.contains("<p>Dear Ana Díaz,</p>"))
        #expect(rendered.html.hasPrefix("<!DOCTYPE html>"))
        #expect(!rendered.text.contains("{{") && !rendered.html.contains("{{"))
    }

    @Test func shippingCarriesTracking() throws {
        let rendered = try templates.render(.shippingNotification, facts: facts())
        #expect(rendered.text.contains("Tracking number: EZ100"))
        #expect(rendered.text.contains("https://track.example/EZ100?a=1&b=2"))
        #expect(rendered.html.contains(#"href="https://track.example/EZ100?a=1&amp;b=2""#))
        #expect(rendered.text.contains("with USPS (Priority)"))
    }

    @Test func customerTextIsEscapedInHTMLOnly() throws {
        let hostile = #"<script>alert("x")</script> & 'co'"#
        let rendered = try templates.render(.orderConfirmation, facts: facts(customerName: hostile))
        #expect(!rendered.html.contains("<script>"))
        #expect(rendered.html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"))
        #expect(rendered.text.contains("Dear \(hostile),"))
    }

    @Test func subjectsHaveNoLineBreaks() throws {
        var withBreak = facts()
        withBreak.orderNumber = "KCT-1\r\nBcc: someone@example.com"
        let rendered = try templates.render(.paymentConfirmation, facts: withBreak)
        #expect(!rendered.subject.contains("\n") && !rendered.subject.contains("\r"))
    }

    @Test func optionalSectionsDisappear() throws {
        var bare = facts()
        bare.trackingCode = nil
        bare.trackingURL = nil
        bare.carrier = nil
        let shipping = try templates.render(.shippingNotification, facts: bare)
        #expect(!shipping.text.contains("Tracking number"))
        #expect(!shipping.html.contains("Tracking number"))
        let survey = try templates.render(.satisfactionSurvey, facts: bare)
        #expect(survey.text.contains("reply to this e-mail"))
    }
}
