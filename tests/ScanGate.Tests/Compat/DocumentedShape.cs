using System.Text.Json;

namespace ScanGate.Tests.Compat;

/// <summary>
/// A response checked against the example its platform's document shows, copied here from the document: every
/// member of the example is present with the same kind of value (a string, a number, a boolean, an object, an
/// array; an example's null admits anything), recursively, array elements against the example's first element.
/// A closed shape also admits no member the example lacks.
/// </summary>
public static class DocumentedShape
{
    public static void Assert(JsonElement actual, string documented, bool closed = false) =>
        Check(actual, JsonDocument.Parse(documented, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }).RootElement,
            "$", closed);

    private static void Check(JsonElement actual, JsonElement example, string path, bool closed)
    {
        if (example.ValueKind == JsonValueKind.Null) return;
        Xunit.Assert.True(Kind(actual) == Kind(example), $"{path}: the document has a {Kind(example)}, the answer a {Kind(actual)} ({actual})");
        switch (example.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in example.EnumerateObject())
                {
                    Xunit.Assert.True(actual.TryGetProperty(member.Name, out var value), $"{path}.{member.Name} is missing from {actual}");
                    Check(value, member.Value, $"{path}.{member.Name}", closed);
                }
                if (closed)
                    foreach (var member in actual.EnumerateObject())
                        Xunit.Assert.True(example.TryGetProperty(member.Name, out _), $"{path}.{member.Name} is not in the document's example");
                break;
            case JsonValueKind.Array when example.GetArrayLength() > 0:
                foreach (var (item, i) in actual.EnumerateArray().Select((e, i) => (e, i)))
                    Check(item, example[0], $"{path}[{i}]", closed);
                break;
        }
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var k => k.ToString().ToLowerInvariant(),
    };
}
