@testable import SyncCore

/// A JSON Schema checker for the subset of draft 2020-12 the protocol's schemas use: `type`,
/// `properties`, `required`, `additionalProperties` (false or a schema), `items`, `enum`,
/// `const`, `anyOf`, `minimum`, `maximum`, `minLength`, `maxLength`, `minItems`, `$ref` (to `#/$defs/…`
/// or `other.schema.json#/$defs/…`). Anything else in a schema is reported, so a schema cannot
/// silently use a keyword this checker ignores.
struct SchemaValidator {
    /// Schema documents by file name.
    let documents: [String: JSONValue]

    static let understood: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
        "additionalProperties", "items", "enum", "const", "anyOf", "minimum", "maximum", "minLength", "maxLength",
        "minItems",
    ]

    func validate(_ value: JSONValue, file: String) -> [String] {
        guard let schema = documents[file] else { return ["no schema \(file)"] }
        var problems: [String] = []
        check(value, schema, file: file, path: "$", problems: &problems)
        return problems
    }

    private func resolve(_ reference: String, file: String) -> (JSONValue, String)? {
        let parts = reference.split(separator: "#", maxSplits: 1).map(String.init)
        let targetFile = reference.hasPrefix("#") ? file : parts[0]
        guard var node = documents[targetFile] else { return nil }
        let pointer = reference.hasPrefix("#") ? parts[0] : (parts.count > 1 ? parts[1] : "")
        for component in pointer.split(separator: "/") {
            guard case .object(let members) = node, let next = members[String(component)] else { return nil }
            node = next
        }
        return (node, targetFile)
    }

    private func check(_ value: JSONValue, _ schema: JSONValue, file: String, path: String, problems: inout [String]) {
        guard case .object(let keywords) = schema else {
            problems.append("\(path): schema is not an object")
            return
        }
        for keyword in keywords.keys where !Self.understood.contains(keyword) {
            problems.append("\(path): schema keyword \(keyword) is not understood by the checker")
        }
        if case .string(let reference)? = keywords["$ref"] {
            guard let (target, targetFile) = resolve(reference, file: file) else {
                problems.append("\(path): unresolvable $ref \(reference)")
                return
            }
            check(value, target, file: targetFile, path: path, problems: &problems)
        }
        if case .array(let alternatives)? = keywords["anyOf"] {
            let fits = alternatives.contains { alternative in
                var trial: [String] = []
                check(value, alternative, file: file, path: path, problems: &trial)
                return trial.isEmpty
            }
            if !fits { problems.append("\(path): matches none of anyOf") }
        }
        if let type = keywords["type"] {
            let allowed: [String]
            switch type {
            case .string(let name): allowed = [name]
            case .array(let names): allowed = names.compactMap { if case .string(let n) = $0 { n } else { nil } }
            default: allowed = []
            }
            if !allowed.contains(where: { Self.matches(value, type: $0) }) {
                problems.append("\(path): \(value.typeName) is not \(allowed.joined(separator: " or "))")
                return
            }
        }
        if case .array(let options)? = keywords["enum"], !options.contains(value) {
            problems.append("\(path): \(value.canonicalString) is not one of the enum")
        }
        if let constant = keywords["const"], constant != value {
            problems.append("\(path): \(value.canonicalString) is not \(constant.canonicalString)")
        }
        if case .integer(let number) = value {
            if case .integer(let minimum)? = keywords["minimum"], number < minimum {
                problems.append("\(path): \(number) < \(minimum)")
            }
            if case .integer(let maximum)? = keywords["maximum"], number > maximum {
                problems.append("\(path): \(number) > \(maximum)")
            }
        }
        if case .string(let text) = value {
            if case .integer(let minimum)? = keywords["minLength"], text.count < minimum {
                problems.append("\(path): shorter than \(minimum)")
            }
            if case .integer(let maximum)? = keywords["maxLength"], text.count > maximum {
                problems.append("\(path): longer than \(maximum)")
            }
        }
        if case .array(let elements) = value {
            if case .integer(let minimum)? = keywords["minItems"], elements.count < minimum {
                problems.append("\(path): fewer than \(minimum) items")
            }
            if let items = keywords["items"] {
                for (index, element) in elements.enumerated() {
                    check(element, items, file: file, path: "\(path)[\(index)]", problems: &problems)
                }
            }
        }
        if case .object(let members) = value {
            let properties: [String: JSONValue]
            if case .object(let declared)? = keywords["properties"] { properties = declared } else { properties = [:] }
            if case .array(let required)? = keywords["required"] {
                for case .string(let name) in required where members[name] == nil {
                    problems.append("\(path): required member \(name) is missing")
                }
            }
            for (name, member) in members {
                if let property = properties[name] {
                    check(member, property, file: file, path: "\(path).\(name)", problems: &problems)
                } else if let additional = keywords["additionalProperties"] {
                    if additional == .bool(false) {
                        problems.append("\(path): member \(name) is not allowed")
                    } else {
                        check(member, additional, file: file, path: "\(path).\(name)", problems: &problems)
                    }
                }
            }
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .integer), ("number", .integer), ("number", .real),
            ("string", .string), ("array", .array), ("object", .object):
            true
        default: false
        }
    }
}
