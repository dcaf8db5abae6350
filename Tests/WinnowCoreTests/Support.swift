import Foundation
import Testing
import WinnowCore

/// Reads a committed fixture (excerpts of ../shared/corpus).
func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
    return Array(try Data(contentsOf: url))
}

/// The body ("content") of the first article of the Arabic JSON Lines fixture: real text outside ASCII.
func arabicParagraph() throws -> String {
    let firstLine = Array(try fixture("arabic-8.jsonl").prefix { $0 != 0x0A })
    let object = try JSONSerialization.jsonObject(with: Data(firstLine)) as? [String: Any]
    return try #require(object?["content"] as? String)
}

/// Parses JSON Lines output into dictionaries.
func records(_ jsonl: [UInt8]) throws -> [[String: Any]] {
    try jsonl.split(separator: 0x0A).map { line in
        let object = try JSONSerialization.jsonObject(with: Data(line))
        return try #require(object as? [String: Any])
    }
}

/// Runs the whole pipeline on bytes and parses the records.
func process(_ bytes: [UInt8], name: String = "input", configuration: PipelineConfiguration = PipelineConfiguration())
    throws -> (ProcessedInput, [[String: Any]])
{
    var pipeline = Pipeline(configuration: configuration)
    let processed = try pipeline.process(bytes, sourceName: name)
    return (processed, try records(processed.jsonl))
}

extension Dictionary where Key == String, Value == Any {
    subscript(path path: String...) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }
}
