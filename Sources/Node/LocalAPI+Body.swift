import HTTP
import SyncCore

extension LocalAPI {
    /// A body's bytes as a JSON object; a 400 saying so otherwise. (Bytes are Sendable: a body
    /// that needs the replica to be understood is read again on the thread pool.)
    static func jsonObject(_ body: [UInt8]) throws(APIError) -> [String: JSONValue] {
        guard let value = try? JSONValue.parse(body) else { throw .badRequest("request body is not valid JSON") }
        guard case .object(let object) = value else { throw .badRequest("request body must be a JSON object") }
        return object
    }
}

/// A JSON object body of one of the local API's edit routes, read field by field: unknown keys
/// and values of the wrong type are a 400 naming the field (`{"error":{…,"field":…}}`).
struct APIBody {
    let object: [String: JSONValue]

    init(_ request: HTTPRequest, allowed: Set<String>) throws(APIError) {
        object = try LocalAPI.jsonObject(request)
        let unknown = Set(object.keys).subtracting(allowed)
        if let first = unknown.min() {
            throw .badField(
                first,
                "unknown field(s): \(unknown.sorted().joined(separator: ", "))"
                    + " (fields: \(allowed.sorted().joined(separator: ", ")))"
            )
        }
    }

    /// A string field; nil when absent or null. `required` makes absence a 422 naming it.
    func text(_ key: String, required: Bool = false) throws(APIError) -> String? {
        switch object[key] {
        case nil, .null?:
            if required { throw .invalid("\(key) is required", field: key) }
            return nil
        case .string(let value)?: return value
        case let other?: throw .badField(key, "\(key) must be a string, not \(other.typeName)")
        }
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw .badField(key, "\(key) must be true or false, not \(other.typeName)")
        }
    }

    /// One of an enumeration's raw values; a 400 listing them otherwise.
    func choice<Value: RawRepresentable & CaseIterable>(_ key: String, required: Bool = false) throws(APIError)
        -> Value? where Value.RawValue == String
    {
        guard let name = try text(key, required: required) else { return nil }
        guard let value = Value(rawValue: name) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw .badField(key, "\(key) '\(name)' is not one of: \(allowed)")
        }
        return value
    }
}
