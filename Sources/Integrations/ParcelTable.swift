/// The kinds of item KCT ships, each with a packed weight and box size (protocol/INTEGRATIONS.md
/// "Parcels").
package enum ParcelItemKind: String, CaseIterable, Hashable, Sendable {
    case suit, jacket, trousers, shirt, tie, waistcoat, accessories
    /// Anything the product name does not place.
    case other

    /// The kind a product name names, by its words: specific accessories first ("tie bar" is not
    /// a tie), then the garments, "suit" last ("suit jacket" is a jacket).
    package init(productName: String) {
        let words = productName.lowercased().split { !$0.isLetter }.map(String.init)
        let phrases = Set(words + zip(words, words.dropFirst()).map { "\($0) \($1)" })
        func has(_ candidates: [String]) -> Bool { candidates.contains { phrases.contains($0) } }
        if has([
            "tie bar", "tie clip", "cufflink", "cufflinks", "pocket square", "belt", "belts", "socks", "suspenders",
            "braces", "handkerchief", "cummerbund", "scarf", "gloves", "hat", "lapel pin", "studs", "accessory",
            "accessories",
        ]) {
            self = .accessories
        } else if has(["waistcoat", "waistcoats", "vest", "vests"]) {
            self = .waistcoat
        } else if has(["jacket", "jackets", "blazer", "blazers", "coat", "overcoat", "sportcoat"]) {
            self = .jacket
        } else if has(["trousers", "pants", "slacks", "chinos", "trouser"]) {
            self = .trousers
        } else if has(["shirt", "shirts"]) {
            self = .shirt
        } else if has(["tie", "ties", "necktie", "bowtie", "bow tie"]) {
            self = .tie
        } else if has(["suit", "suits", "tuxedo", "tux"]) {
            self = .suit
        } else {
            self = .other
        }
    }

    /// One item folded in its bag or box, in ounces and inches (EasyPost's units).
    package var packed: Parcel {
        switch self {
        case .suit: Parcel(length: 24, width: 16, height: 4, weight: 64)
        case .jacket: Parcel(length: 24, width: 16, height: 3, weight: 40)
        case .trousers: Parcel(length: 16, width: 12, height: 2, weight: 24)
        case .shirt: Parcel(length: 14, width: 10, height: 2, weight: 12)
        case .tie: Parcel(length: 10, width: 4, height: 1, weight: 3)
        case .waistcoat: Parcel(length: 14, width: 10, height: 1, weight: 12)
        case .accessories: Parcel(length: 8, width: 6, height: 2, weight: 4)
        case .other: Parcel(length: 16, width: 12, height: 3, weight: 24)
        }
    }
}

/// One parcel as EasyPost takes it: inches and ounces.
package struct Parcel: Hashable, Sendable, Codable {
    package var length: Double
    package var width: Double
    package var height: Double
    package var weight: Double

    package init(length: Double, width: Double, height: Double, weight: Double) {
        self.length = length
        self.width = width
        self.height = height
        self.weight = weight
    }

    /// The box and filling every parcel adds.
    package static let packaging = Parcel(length: 1, width: 1, height: 1, weight: 8)

    /// An order's items in one box: the largest item's length and width, the items' heights
    /// stacked, their weights summed, plus `packaging`. `items` are (product name, quantity).
    package init(items: [(productName: String, quantity: Int)]) {
        var length = 0.0
        var width = 0.0
        var height = 0.0
        var weight = 0.0
        for item in items where item.quantity > 0 {
            let packed = ParcelItemKind(productName: item.productName).packed
            length = max(length, packed.length)
            width = max(width, packed.width)
            height += packed.height * Double(item.quantity)
            weight += packed.weight * Double(item.quantity)
        }
        self.init(
            length: length + Self.packaging.length, width: width + Self.packaging.width,
            height: height + Self.packaging.height, weight: weight + Self.packaging.weight)
    }
}
