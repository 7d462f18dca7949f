using System.Text.Encodings.Web;
using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Storage.Reports;

/// <summary>What the JSON report writers share: how they write, and how often they hand bytes to the stream.</summary>
internal static class ReportJson
{
    /// <summary>Bytes a writer may hold before it flushes to the stream.</summary>
    private const int FlushThreshold = 32 * 1024;

    /// <summary>Writes a JSON document to <paramref name="output"/> (left open) through <paramref name="write"/>.</summary>
    public static async Task WriteAsync(Stream output, Func<Utf8JsonWriter, Task> write, CancellationToken cancellationToken)
    {
        // Relaxed escaping keeps non-ASCII text readable; the documents are served as JSON, never inlined in HTML.
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        await write(json);
        await json.FlushAsync(cancellationToken);
    }

    /// <summary>Hands what the writer holds to the stream once it is more than a little.</summary>
    public static ValueTask MaybeFlushAsync(this Utf8JsonWriter json, CancellationToken cancellationToken) =>
        json.BytesPending > FlushThreshold ? new ValueTask(json.FlushAsync(cancellationToken)) : ValueTask.CompletedTask;

    public static void WriteStringIfAny(this Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value)) json.WriteString(name, value);
    }

    public static void WriteStrings(this Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteStringValue(v);
        json.WriteEndArray();
    }

    /// <summary>A 0–10 score for a severity when the tool gave no CVSS score: the middle of the CVSS v3 band the
    /// severity names (none for info).</summary>
    public static double ScoreOf(Severity severity) => severity switch
    {
        Severity.Critical => 9.5,
        Severity.High => 8.0,
        Severity.Medium => 5.5,
        Severity.Low => 2.0,
        _ => 0.0,
    };

    /// <summary>UTC time to the second, as SPDX and most SBOM readers want it.</summary>
    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
