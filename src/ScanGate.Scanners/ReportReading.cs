using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Xml;

namespace ScanGate.Scanners;

/// <summary>Streaming readers shared by report parsers: none loads a whole report into memory.</summary>
public static class ReportReading
{
    /// <summary>Top-level elements of a JSON array, one at a time. A truncated array (a run that was
    /// stopped mid-write) yields the complete elements before the cut and notes the cut.</summary>
    public static IAsyncEnumerable<JsonElement> JsonArrayElementsAsync(Stream stream, FindingContext context, CancellationToken cancellationToken) =>
        GuardedAsync(JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: cancellationToken), context, cancellationToken);

    /// <summary>The values of a JSON Lines report (one JSON document after another), one at a time. A last line cut
    /// off mid-value yields the complete values before it and notes the cut.</summary>
    public static IAsyncEnumerable<JsonElement> JsonLinesAsync(Stream stream, FindingContext context, CancellationToken cancellationToken) =>
        GuardedAsync(JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, topLevelValues: true, cancellationToken: cancellationToken),
            context, cancellationToken);

    private static async IAsyncEnumerable<JsonElement> GuardedAsync(IAsyncEnumerable<JsonElement> elements, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var e = elements.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync()) yield break;
            }
            catch (JsonException ex)
            {
                context.Warn($"report is incomplete or malformed after the last complete entry: {ex.Message}");
                yield break;
            }
            yield return e.Current;
        }
    }

    public static XmlReader OpenXml(Stream stream) => XmlReader.Create(stream, new XmlReaderSettings
    {
        Async = true,
        DtdProcessing = DtdProcessing.Ignore, // nmap writes a DOCTYPE; never resolve anything external
        XmlResolver = null,
        IgnoreWhitespace = true,
        IgnoreComments = true,
    });

    /// <summary>Reads the next element named one of <paramref name="names"/> as a subtree; a truncated
    /// document ends the walk and is noted.</summary>
    public static async Task<bool> ReadToNextAsync(XmlReader reader, FindingContext context, params string[] names)
    {
        try
        {
            while (await reader.ReadAsync())
                if (reader.NodeType == XmlNodeType.Element && names.Contains(reader.LocalName))
                    return true;
            return false;
        }
        catch (XmlException ex)
        {
            context.Warn($"report is incomplete or malformed: {ex.Message}");
            return false;
        }
    }

    public static string? Str(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Null or JsonValueKind.Undefined => null, _ => v.GetRawText() }
            : null;

    /// <summary>A property that tools write as one string or as an array of strings (null and empty strings left out).</summary>
    public static IReadOnlyList<string> Strings(this JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return [];
        IEnumerable<JsonElement> items = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [v];
        return items.Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!.Trim()).Where(i => i.Length > 0).ToList();
    }

    /// <summary>A number that tools write as a JSON number or as a string.</summary>
    public static double? Number(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble()
        : double.TryParse(e.Str(name), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <summary>The object at a property, or an undefined element when there is none.</summary>
    public static JsonElement Obj(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : default;

    public static int? Int(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
        : int.TryParse(e.Str(name), out var j) ? j : null;
}
