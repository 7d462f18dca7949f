using System.Globalization;
using System.Text;
using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Storage.Reports;

/// <summary>
/// SARIF 2.1.0: one run per scanner. Each run's results are written as its findings are read; its rules (one per
/// rule id, far fewer than findings) are gathered on the way and written after the results, in the same run
/// object — member order means nothing in JSON, and it keeps a run to one pass over its findings.
/// </summary>
public static class SarifReport
{
    public const string MediaType = "application/sarif+json";
    private const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
    /// <summary>The partial fingerprint our own fingerprint goes under.</summary>
    public const string FingerprintKey = "scangate/v1";

    public static Task WriteAsync(ReportScope scope, FindingSource findings, Stream output, CancellationToken cancellationToken = default) =>
        ReportJson.WriteAsync(output, async json =>
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaUri);
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            var known = ScannersOf(scope, findings.Filter).ToList();
            var written = 0;
            foreach (var scanner in known)
                written += await WriteRunAsync(json, scope, scanner, findings, cancellationToken);
            // Findings of a scanner the scan does not list (stored by another path) still get a run: found by one
            // more pass, made only when the runs so far hold fewer results than the filter matches.
            if (findings.Filter.Scanner is null && written < await findings.CountAsync(cancellationToken: cancellationToken))
            {
                var others = new SortedSet<string>(StringComparer.Ordinal);
                await foreach (var f in findings.ReadAsync(cancellationToken: cancellationToken))
                    if (!known.Any(k => k.Name == f.Scanner)) others.Add(f.Scanner);
                foreach (var name in others)
                    await WriteRunAsync(json, scope, (name, null), findings, cancellationToken);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }, cancellationToken);

    /// <summary>The scanners that get a run: the one the filter names, or every scanner of the scan.</summary>
    private static IEnumerable<(string Name, ScannerState? State)> ScannersOf(ReportScope scope, FindingQuery filter) =>
        filter.Scanner is { } only
            ? [(only, scope.Scanners.FirstOrDefault(s => s.Name == only))]
            : scope.Scanners.Select(s => (s.Name, (ScannerState?)s));

    /// <summary>Writes one scanner's run and answers how many results it holds.</summary>
    private static async Task<int> WriteRunAsync(Utf8JsonWriter json, ReportScope scope, (string Name, ScannerState? State) scanner,
        FindingSource findings, CancellationToken cancellationToken)
    {
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal);
        var order = new List<Rule>();
        var results = 0;
        json.WriteStartObject();
        json.WriteStartArray("results");
        await foreach (var f in findings.ReadAsync(q => q with { Scanner = scanner.Name }, cancellationToken))
        {
            var ruleId = RuleIdOf(f);
            if (!rules.TryGetValue(ruleId, out var rule))
            {
                rule = new Rule(ruleId, order.Count, f);
                rules[ruleId] = rule;
                order.Add(rule);
            }
            rule.See(f);
            WriteResult(json, f, rule);
            results++;
            await json.MaybeFlushAsync(cancellationToken);
        }
        json.WriteEndArray();

        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", scanner.Name);
        json.WriteStartArray("rules");
        foreach (var rule in order) WriteRule(json, rule);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartArray("invocations");
        json.WriteStartObject();
        json.WriteBoolean("executionSuccessful", scanner.State?.Status is null or RunStatus.Completed);
        if (scanner.State?.StartedAt is { } started) json.WriteString("startTimeUtc", ReportJson.Timestamp(started));
        if (scanner.State?.FinishedAt is { } finished) json.WriteString("endTimeUtc", ReportJson.Timestamp(finished));
        if (scanner.State?.Error is { } error)
        {
            json.WriteStartArray("toolExecutionNotifications");
            json.WriteStartObject();
            json.WriteString("level", "error");
            json.WriteStartObject("message");
            json.WriteString("text", error);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteEndArray();

        json.WriteStartObject("automationDetails");
        json.WriteString("id", $"scangate/{scope.ScanId}/{scanner.Name}");
        json.WriteEndObject();
        json.WriteString("columnKind", "utf16CodeUnits");
        json.WriteStartObject("properties");
        json.WriteString("scanId", scope.ScanId);
        json.WriteString("scanType", scope.ScanType);
        json.WriteString("target", scope.Target);
        json.WriteEndObject();
        json.WriteEndObject();
        return results;
    }

    private static void WriteResult(Utf8JsonWriter json, Finding f, Rule rule)
    {
        json.WriteStartObject();
        json.WriteString("ruleId", rule.Id);
        json.WriteNumber("ruleIndex", rule.Index);
        json.WriteString("level", LevelOf(f.Severity));
        json.WriteStartObject("message");
        json.WriteString("text", MessageOf(f));
        json.WriteEndObject();
        WriteLocations(json, f.Location);
        json.WriteStartObject("partialFingerprints");
        json.WriteString(FingerprintKey, f.Fingerprint);
        json.WriteEndObject();
        if (f.Status is FindingStatus.FalsePositive or FindingStatus.AcceptedRisk)
        {
            // Triaged away in ScanGate: a suppression made outside the tool, with the triage note as its reason.
            json.WriteStartArray("suppressions");
            json.WriteStartObject();
            json.WriteString("kind", "external");
            json.WriteString("status", "accepted");
            json.WriteString("justification", f.StatusNote is { Length: > 0 } note ? note : f.Status.Word());
            json.WriteEndObject();
            json.WriteEndArray();
        }
        json.WriteStartObject("properties");
        json.WriteString("findingId", f.Id);
        json.WriteString("severity", f.Severity.Word());
        json.WriteString("category", f.Category);
        json.WriteString("status", f.Status.Word());
        json.WriteStrings("cves", f.Cves);
        if (f.Cvss is { } cvss) json.WriteNumber("cvss", cvss);
        json.WriteStringIfAny("cvssVector", f.CvssVector);
        json.WriteStringIfAny("fixedVersion", f.FixedVersion);
        json.WriteStringIfAny("package", f.Location.Package);
        json.WriteStringIfAny("version", f.Location.Version);
        json.WriteStringIfAny("image", f.Location.Image);
        json.WriteStringIfAny("layer", f.Location.Layer);
        if (f.AuditOnly) json.WriteBoolean("auditOnly", true);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A file (with its line) or a URL as the physical location; a host and port, a package or an image as
    /// logical locations.</summary>
    private static void WriteLocations(Utf8JsonWriter json, FindingLocation at)
    {
        var uri = at.File is { Length: > 0 } file ? FileUri(file) : at.Url is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.AbsoluteUri : null;
        var logical = LogicalLocationsOf(at).ToList();
        if (uri is null && logical.Count == 0) return;
        json.WriteStartArray("locations");
        json.WriteStartObject();
        if (uri is not null)
        {
            json.WriteStartObject("physicalLocation");
            json.WriteStartObject("artifactLocation");
            json.WriteString("uri", uri);
            json.WriteEndObject();
            if (at.File is { Length: > 0 } && at.Line is > 0 and var line)
            {
                json.WriteStartObject("region");
                json.WriteNumber("startLine", line);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        if (logical.Count > 0)
        {
            json.WriteStartArray("logicalLocations");
            foreach (var (name, kind) in logical)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("kind", kind);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static IEnumerable<(string Name, string Kind)> LogicalLocationsOf(FindingLocation at)
    {
        if (at.Host is { Length: > 0 } host)
            yield return (at.Port is { } port ? $"{(host.Contains(':') ? $"[{host}]" : host)}:{port.ToString(CultureInfo.InvariantCulture)}" : host, "resource");
        if (at.Image is { Length: > 0 } image) yield return (image, "module");
        if (at.Package is { Length: > 0 } package) yield return (at.Version is { Length: > 0 } v ? $"{package}@{v}" : package, "module");
    }

    /// <summary>A file path as a URI reference: each segment escaped, backslashes as slashes.</summary>
    private static string FileUri(string path) =>
        string.Join('/', path.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString));

    private static void WriteRule(Utf8JsonWriter json, Rule rule)
    {
        json.WriteStartObject();
        json.WriteString("id", rule.Id);
        json.WriteString("name", rule.Name);
        json.WriteStartObject("shortDescription");
        json.WriteString("text", rule.Title);
        json.WriteEndObject();
        json.WriteStartObject("fullDescription");
        json.WriteString("text", rule.Description ?? rule.Title);
        json.WriteEndObject();
        json.WriteStartObject("help");
        json.WriteString("text", rule.Help);
        json.WriteEndObject();
        if (rule.HelpUri is { } helpUri) json.WriteString("helpUri", helpUri);
        json.WriteStartObject("defaultConfiguration");
        json.WriteString("level", LevelOf(rule.Severity));
        json.WriteEndObject();
        json.WriteStartObject("properties");
        // GitHub code scanning ranks results by this: a number from 0.0 to 10.0, written as a string.
        json.WriteString("security-severity", rule.Score.ToString("0.0", CultureInfo.InvariantCulture));
        json.WriteString("category", rule.Category);
        json.WriteStrings("tags", ["security", rule.Category]);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>error for critical and high, warning for medium, note for low and info.</summary>
    public static string LevelOf(Severity severity) => severity switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    /// <summary>The tool's rule id, or one made from the category and title when the tool gave none.</summary>
    public static string RuleIdOf(Finding f) => f.RuleId is { Length: > 0 } id ? id : $"{f.Category}/{Slug(f.Title)}";

    private static string MessageOf(Finding f)
    {
        var text = f.Title;
        if (f.Cves.Count > 0 && !f.Cves.All(c => text.Contains(c, StringComparison.OrdinalIgnoreCase))) text += $" ({string.Join(", ", f.Cves)})";
        if (f.FixedVersion is { Length: > 0 } fixedIn) text += $"; fixed in {fixedIn}";
        return text.EndsWith('.') ? text : text + ".";
    }

    private static string Slug(string title)
    {
        var sb = new StringBuilder(Math.Min(title.Length, 64));
        foreach (var c in title.ToLowerInvariant())
        {
            if (sb.Length >= 64) break;
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        return sb.ToString().Trim('-') is { Length: > 0 } slug ? slug : "finding";
    }

    /// <summary>A PascalCase name for a rule id, as SARIF viewers show it.</summary>
    private static string NameOf(string ruleId)
    {
        var sb = new StringBuilder();
        var upper = true;
        foreach (var c in ruleId)
        {
            if (!char.IsAsciiLetterOrDigit(c)) { upper = true; continue; }
            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        return sb.Length > 0 && char.IsAsciiLetter(sb[0]) ? sb.ToString() : "Rule" + sb;
    }

    /// <summary>A rule as its first finding describes it; its severity and score are the worst of its findings.</summary>
    private sealed class Rule(string id, int index, Finding first)
    {
        public string Id { get; } = id;
        public int Index { get; } = index;
        public string Name { get; } = NameOf(id);
        public string Title { get; } = first.Title.EndsWith('.') ? first.Title : first.Title + ".";
        public string? Description { get; } = first.Description is { Length: > 0 } d ? (d.EndsWith('.') ? d : d + ".") : null;
        public string Help { get; } = first.Remediation is { Length: > 0 } r ? r : first.Description is { Length: > 0 } d ? d : first.Title;
        public string? HelpUri { get; } = first.References.FirstOrDefault(r => Uri.TryCreate(r, UriKind.Absolute, out var u) && u.Scheme is "https" or "http");
        public string Category { get; } = first.Category;
        public Severity Severity { get; private set; } = first.Severity;
        public double Score { get; private set; }

        public void See(Finding f)
        {
            if (f.Severity > Severity) Severity = f.Severity;
            Score = Math.Max(Score, Math.Clamp(f.Cvss ?? ReportJson.ScoreOf(f.Severity), 0, 10));
        }
    }
}
