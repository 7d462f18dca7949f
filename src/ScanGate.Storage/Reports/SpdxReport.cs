using System.Globalization;
using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Storage.Reports;

/// <summary>
/// An SPDX 2.3 JSON document of a scan's <c>sbom_component</c> findings: one package each (license and download
/// location NOASSERTION: the scanners do not establish them), its package URL as an external reference, and a
/// DESCRIBES relationship from the document to every package. Package ids are numbered as the packages are
/// written, so the relationships need no memory of them.
/// </summary>
public static class SpdxReport
{
    public const string MediaType = "application/spdx+json";
    private const string NoAssertion = "NOASSERTION";
    /// <summary>Where document namespaces are made: unique URIs that name the document and are not fetched.</summary>
    public const string NamespaceBase = "https://scangate.invalid/spdx/";

    public static Task WriteAsync(ReportScope scope, FindingSource findings, Stream output, CancellationToken cancellationToken = default) =>
        WriteAsync(scope, findings, output, DateTimeOffset.UtcNow, Guid.NewGuid(), cancellationToken);

    public static Task WriteAsync(ReportScope scope, FindingSource findings, Stream output, DateTimeOffset now, Guid unique,
        CancellationToken cancellationToken = default) =>
        ReportJson.WriteAsync(output, async json =>
        {
            json.WriteStartObject();
            json.WriteString("spdxVersion", "SPDX-2.3");
            json.WriteString("dataLicense", "CC0-1.0");
            json.WriteString("SPDXID", "SPDXRef-DOCUMENT");
            json.WriteString("name", $"{scope.Target} ({scope.ScanId})");
            json.WriteString("documentNamespace", $"{NamespaceBase}{Uri.EscapeDataString(scope.ScanId)}-{unique:D}");
            json.WriteStartObject("creationInfo");
            json.WriteString("created", ReportJson.Timestamp(now));
            json.WriteStrings("creators", ["Tool: ScanGate"]);
            json.WriteString("comment", $"Components found by {scope.ScanType} scan {scope.ScanId} of {scope.Target}.");
            json.WriteEndObject();

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var count = 0;
            json.WriteStartArray("packages");
            await foreach (var f in findings.ReadAsync(q => q with { Category = FindingCategories.SbomComponent }, cancellationToken))
            {
                if (SbomComponent.Of(f) is not { } component || !seen.Add(component.Ref)) continue;
                WritePackage(json, component, ++count);
                await json.MaybeFlushAsync(cancellationToken);
            }
            json.WriteEndArray();

            json.WriteStartArray("relationships");
            for (var i = 1; i <= count; i++)
            {
                json.WriteStartObject();
                json.WriteString("spdxElementId", "SPDXRef-DOCUMENT");
                json.WriteString("relationshipType", "DESCRIBES");
                json.WriteString("relatedSpdxElement", PackageId(i));
                json.WriteEndObject();
                await json.MaybeFlushAsync(cancellationToken);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }, cancellationToken);

    public static string PackageId(int n) => "SPDXRef-Package-" + n.ToString(CultureInfo.InvariantCulture);

    private static void WritePackage(Utf8JsonWriter json, SbomComponent component, int n)
    {
        json.WriteStartObject();
        json.WriteString("SPDXID", PackageId(n));
        json.WriteString("name", component.Name);
        json.WriteStringIfAny("versionInfo", component.Version);
        json.WriteString("downloadLocation", NoAssertion);
        json.WriteBoolean("filesAnalyzed", false);
        json.WriteString("licenseConcluded", NoAssertion);
        json.WriteString("licenseDeclared", NoAssertion);
        json.WriteString("copyrightText", NoAssertion);
        if (component.Purl is { } purl)
        {
            json.WriteStartArray("externalRefs");
            json.WriteStartObject();
            json.WriteString("referenceCategory", "PACKAGE-MANAGER");
            json.WriteString("referenceType", "purl");
            json.WriteString("referenceLocator", purl);
            json.WriteEndObject();
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }
}
