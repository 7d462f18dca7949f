using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Storage.Reports;

/// <summary>
/// A CycloneDX 1.5 JSON SBOM of a scan's <c>sbom_component</c> findings, with its <c>vulnerability</c> findings that
/// name a package in it as vulnerabilities affecting that component. Components are written as they are read;
/// only their references (to match vulnerabilities to them) are kept until the end.
/// </summary>
public static class CycloneDxReport
{
    public const string MediaType = "application/vnd.cyclonedx+json";

    public static Task WriteAsync(ReportScope scope, FindingSource findings, Stream output, CancellationToken cancellationToken = default) =>
        WriteAsync(scope, findings, output, DateTimeOffset.UtcNow, Guid.NewGuid(), cancellationToken);

    public static Task WriteAsync(ReportScope scope, FindingSource findings, Stream output, DateTimeOffset now, Guid serial,
        CancellationToken cancellationToken = default) =>
        ReportJson.WriteAsync(output, async json =>
        {
            json.WriteStartObject();
            json.WriteString("$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
            json.WriteString("bomFormat", "CycloneDX");
            json.WriteString("specVersion", "1.5");
            json.WriteString("serialNumber", $"urn:uuid:{serial:D}");
            json.WriteNumber("version", 1);
            WriteMetadata(json, scope, now);

            var refs = new HashSet<string>(StringComparer.Ordinal);
            var byKey = new Dictionary<string, string>(StringComparer.Ordinal); // name@version → the component's bom-ref
            json.WriteStartArray("components");
            await foreach (var f in findings.ReadAsync(q => q with { Category = FindingCategories.SbomComponent }, cancellationToken))
            {
                if (SbomComponent.Of(f) is not { } component || !refs.Add(component.Ref)) continue;
                byKey.TryAdd(component.Key, component.Ref);
                WriteComponent(json, component, f);
                await json.MaybeFlushAsync(cancellationToken);
            }
            json.WriteEndArray();

            json.WriteStartArray("vulnerabilities");
            await foreach (var f in findings.ReadAsync(q => q with { Category = FindingCategories.Vulnerability }, cancellationToken))
            {
                if (SbomComponent.Of(f) is not { } named) continue;
                var affected = refs.Contains(named.Ref) ? named.Ref : byKey.GetValueOrDefault(named.Key);
                if (affected is null) continue; // a package that is not in this SBOM
                WriteVulnerability(json, f, affected, named.Version);
                await json.MaybeFlushAsync(cancellationToken);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }, cancellationToken);

    private static void WriteMetadata(Utf8JsonWriter json, ReportScope scope, DateTimeOffset now)
    {
        json.WriteStartObject("metadata");
        json.WriteString("timestamp", ReportJson.Timestamp(now));
        json.WriteStartObject("tools");
        json.WriteStartArray("components");
        json.WriteStartObject();
        json.WriteString("type", "application");
        json.WriteString("name", "ScanGate");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("component");
        json.WriteString("type", scope.ScanType.Contains("image", StringComparison.OrdinalIgnoreCase) ? "container" : "application");
        json.WriteString("bom-ref", "scan-target");
        json.WriteString("name", scope.Target);
        json.WriteEndObject();
        WriteProperties(json, ("scangate:scan_id", scope.ScanId), ("scangate:scan_type", scope.ScanType));
        json.WriteEndObject();
    }

    private static void WriteComponent(Utf8JsonWriter json, SbomComponent component, Finding f)
    {
        json.WriteStartObject();
        json.WriteString("type", "library");
        json.WriteString("bom-ref", component.Ref);
        json.WriteString("name", component.Name);
        json.WriteStringIfAny("version", component.Version);
        json.WriteStringIfAny("purl", component.Purl);
        WriteProperties(json, ("scangate:scanner", f.Scanner), ("scangate:file", f.Location.File),
            ("scangate:image", f.Location.Image), ("scangate:layer", f.Location.Layer));
        json.WriteEndObject();
    }

    private static void WriteVulnerability(Utf8JsonWriter json, Finding f, string affected, string? version)
    {
        json.WriteStartObject();
        json.WriteString("bom-ref", f.Id);
        json.WriteString("id", f.Cves.FirstOrDefault() ?? (f.RuleId is { Length: > 0 } rule ? rule : f.Fingerprint));
        WriteSource(json, f.Scanner);
        if (f.Cves.Count > 1)
        {
            json.WriteStartArray("references");
            foreach (var cve in f.Cves.Skip(1))
            {
                json.WriteStartObject();
                json.WriteString("id", cve);
                WriteSource(json, f.Scanner);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteStartArray("ratings");
        json.WriteStartObject();
        WriteSource(json, f.Scanner);
        if (f.Cvss is { } score) json.WriteNumber("score", score);
        json.WriteString("severity", f.Severity.Word());
        json.WriteString("method", MethodOf(f.CvssVector));
        json.WriteStringIfAny("vector", f.CvssVector);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("description", f.Title);
        json.WriteStringIfAny("detail", f.Description);
        json.WriteStringIfAny("recommendation", f.Remediation ?? (f.FixedVersion is { Length: > 0 } fixedIn ? $"Upgrade to {fixedIn} or later." : null));
        var advisories = f.References.Where(r => Uri.TryCreate(r, UriKind.Absolute, out var u) && u.Scheme is "https" or "http").ToList();
        if (advisories.Count > 0)
        {
            json.WriteStartArray("advisories");
            foreach (var url in advisories)
            {
                json.WriteStartObject();
                json.WriteString("url", url);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteStartArray("affects");
        json.WriteStartObject();
        json.WriteString("ref", affected);
        json.WriteStartArray("versions");
        if (version is not null) WriteVersion(json, version, "affected");
        if (f.FixedVersion is { Length: > 0 } fixedVersion) WriteVersion(json, fixedVersion, "unaffected");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        WriteProperties(json, ("scangate:fingerprint", f.Fingerprint), ("scangate:status", f.Status.Word()),
            ("scangate:audit_only", f.AuditOnly ? "true" : null));
        json.WriteEndObject();
    }

    private static void WriteVersion(Utf8JsonWriter json, string version, string status)
    {
        json.WriteStartObject();
        json.WriteString("version", version);
        json.WriteString("status", status);
        json.WriteEndObject();
    }

    private static void WriteSource(Utf8JsonWriter json, string scanner)
    {
        json.WriteStartObject("source");
        json.WriteString("name", scanner);
        json.WriteEndObject();
    }

    private static void WriteProperties(Utf8JsonWriter json, params (string Name, string? Value)[] properties)
    {
        if (!properties.Any(p => !string.IsNullOrEmpty(p.Value))) return;
        json.WriteStartArray("properties");
        foreach (var (name, value) in properties.Where(p => !string.IsNullOrEmpty(p.Value)))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("value", value);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The CycloneDX rating method a CVSS vector names; "other" without one.</summary>
    private static string MethodOf(string? vector) => vector switch
    {
        not null when vector.StartsWith("CVSS:4.0/", StringComparison.Ordinal) => "CVSSv4",
        not null when vector.StartsWith("CVSS:3.1/", StringComparison.Ordinal) => "CVSSv31",
        not null when vector.StartsWith("CVSS:3.0/", StringComparison.Ordinal) => "CVSSv3",
        not null when vector.StartsWith("AV:", StringComparison.Ordinal) || vector.StartsWith("(AV:", StringComparison.Ordinal) => "CVSSv2",
        _ => "other",
    };
}
