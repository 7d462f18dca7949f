using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// Reading CycloneDX JSON SBOMs (1.4 to 1.6, as syft and cdxgen write them) into findings, and the finding an SBOM
/// component becomes, whichever tool listed it:
/// <list type="bullet">
/// <item>every package is one <c>sbom_component</c> finding at info severity, located by package (with its group),
/// version, the file it was found in, and for images the image and layer;</item>
/// <item>a package whose licence is on <see cref="DeniedLicensePrefixes"/> is also a <c>license</c> finding at medium
/// severity. Only such licences become findings: most images are full of GPL and permissive licences, and one
/// finding each would bury everything else; the SBOM artifact keeps every licence.</item>
/// </list>
/// Components are read one at a time from the "components" array, with "metadata" (which both tools write before it)
/// captured for the image name; nested components (cdxgen's) are walked too. Operating-system and file components
/// are not packages and are skipped.
/// </summary>
public static class CycloneDxComponents
{
    /// <summary>Licences that bind a service or forbid commercial use: the network-copyleft AGPL, SSPL, the BUSL and
    /// CC non-commercial licences (SPDX ids, by prefix, any version).</summary>
    public static readonly IReadOnlyList<string> DeniedLicensePrefixes = ["AGPL-", "SSPL-", "BUSL-", "CC-BY-NC-"];

    private static readonly string[] Skipped = ["operating-system", "file"];

    public static IAsyncEnumerable<Finding> ParseAsync(Stream report, FindingContext context, CancellationToken cancellationToken) =>
        ImageScanning.FindingsAtAsync(report, context, ["components", "[]"], ["metadata"],
            m => Walk(m.Item, ImageOf(m.Get("metadata")), context), cancellationToken);

    /// <summary>The image an SBOM describes, when its subject (metadata.component) is a container.</summary>
    private static string? ImageOf(JsonElement? metadata)
    {
        if (metadata is not { ValueKind: JsonValueKind.Object } md || !md.TryGetProperty("component", out var subject)) return null;
        if (subject.Str("type") != "container" || subject.Str("name") is not { Length: > 0 } name) return null;
        return subject.Str("version") switch
        {
            null or "" => name,
            var v when v.StartsWith("sha256:", StringComparison.Ordinal) => $"{name}@{v}",
            var v => $"{name}:{v}",
        };
    }

    private static IEnumerable<Finding> Walk(JsonElement component, string? image, FindingContext context)
    {
        if (component.ValueKind != JsonValueKind.Object) yield break;
        if (!Skipped.Contains(component.Str("type")) && component.Str("name") is { Length: > 0 } name)
        {
            var group = component.Str("group");
            var purl = component.Str("purl");
            var package = string.IsNullOrEmpty(group) ? name : PurlType(purl) == "npm" || group.StartsWith('@') ? $"{group}/{name}" : $"{group}:{name}";
            var location = new FindingLocation
            {
                Package = package,
                Version = component.Str("version"),
                Image = image,
                Layer = Property(component, "syft:location:0:layerID"),
                File = Property(component, "syft:location:0:path") ?? Property(component, "SrcFile") ?? Occurrence(component),
            };
            foreach (var f in Package(context, location, PurlType(purl) ?? component.Str("type"), purl, Licenses(component)))
                yield return f;
        }
        if (component.TryGetProperty("components", out var children) && children.ValueKind == JsonValueKind.Array)
            foreach (var child in children.EnumerateArray())
                foreach (var f in Walk(child, image, context))
                    yield return f;
    }

    /// <summary>The findings for one package of an SBOM: its component finding, and a licence finding for each
    /// denied licence it declares. Shared by every SBOM format.</summary>
    public static IEnumerable<Finding> Package(FindingContext context, FindingLocation location, string? kind, string? purl, IEnumerable<string> licenses)
    {
        var label = string.IsNullOrEmpty(location.Version) ? location.Package : $"{location.Package} {location.Version}";
        var all = licenses.Where(l => l.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var details = string.Join(" ", new[]
        {
            purl is null ? null : $"Package URL: {purl}.",
            all.Count == 0 ? null : $"Licence: {string.Join(", ", all)}.",
            location.File is null ? null : $"Found in {location.File}.",
        }.Where(s => s is not null));
        yield return context.Create(FindingCategories.SbomComponent, Severity.Info, $"Component {label}",
            $"component:{kind ?? "unknown"}", location, description: details.Length == 0 ? null : details,
            references: purl is null ? null : [purl]);
        foreach (var license in all.Where(IsDenied))
            yield return context.Create(FindingCategories.License, Severity.Medium, $"{label} is licensed under {license}",
                $"license-denied:{license}", location,
                description: $"{license} is on the licence deny list (network copyleft, source-available or non-commercial terms).",
                remediation: "Replace the package, obtain another licence for it, or have the use reviewed and accept the risk.");
    }

    /// <summary>A licence (an SPDX id or expression) is denied when a denied licence appears in it and it offers no
    /// alternative ("A OR B" lets the user pick the other).</summary>
    public static bool IsDenied(string license) =>
        !license.Contains(" OR ", StringComparison.OrdinalIgnoreCase)
        && license.Split([' ', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Any(id => DeniedLicensePrefixes.Any(p => id.StartsWith(p, StringComparison.OrdinalIgnoreCase)));

    private static IEnumerable<string> Licenses(JsonElement component)
    {
        if (!component.TryGetProperty("licenses", out var licenses) || licenses.ValueKind != JsonValueKind.Array) yield break;
        foreach (var choice in licenses.EnumerateArray())
        {
            if (choice.Str("expression") is { Length: > 0 } expression) yield return expression;
            else if (choice.TryGetProperty("license", out var l) && (l.Str("id") ?? l.Str("name")) is { Length: > 0 } id) yield return id;
        }
    }

    private static string? Property(JsonElement component, string name)
    {
        if (!component.TryGetProperty("properties", out var props) || props.ValueKind != JsonValueKind.Array) return null;
        foreach (var p in props.EnumerateArray())
            if (p.Str("name") == name && p.Str("value") is { Length: > 0 } value) return value;
        return null;
    }

    private static string? Occurrence(JsonElement component) =>
        component.TryGetProperty("evidence", out var evidence) && evidence.ValueKind == JsonValueKind.Object
        && evidence.TryGetProperty("occurrences", out var occurrences) && occurrences.ValueKind == JsonValueKind.Array
        && occurrences.GetArrayLength() > 0
            ? occurrences[0].Str("location")
            : null;

    /// <summary>"npm" of "pkg:npm/%40scope/name@1.0.0".</summary>
    public static string? PurlType(string? purl)
    {
        if (purl is null || !purl.StartsWith("pkg:", StringComparison.Ordinal)) return null;
        var slash = purl.IndexOf('/', 4);
        return slash > 4 ? purl[4..slash].ToLowerInvariant() : null;
    }

    /// <summary>Whether a JSON report is a CycloneDX document, from its first top-level property names (a CycloneDX
    /// document names "bomFormat" first or right after "$schema"). Reads at most the first 64 KiB and hands back a
    /// stream that starts from the beginning again.</summary>
    public static async Task<(bool IsCycloneDx, Stream Report)> DetectAsync(Stream report, CancellationToken cancellationToken)
    {
        var head = new byte[64 * 1024];
        var length = 0;
        int read;
        while (length < head.Length && (read = await report.ReadAsync(head.AsMemory(length), cancellationToken)) > 0) length += read;
        return (FirstNamesSayCycloneDx(head.AsSpan(0, length)), new PrefixedStream(head.AsMemory(0, length), report));
    }

    private static bool FirstNamesSayCycloneDx(ReadOnlySpan<byte> head)
    {
        var reader = new Utf8JsonReader(head, isFinalBlock: false, default);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                var name = reader.GetString();
                if (name == "bomFormat") return true;
                if (name != "$schema") return false;
            }
        }
        catch (JsonException) { /* not JSON at all: the parser will say so */ }
        return false;
    }
}
