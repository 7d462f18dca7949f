using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// sqlmap 1.9 (Debian trixie) through the image's <c>scan-web</c> (deploy/scanners/sqlmap): it crawls a site (two
/// levels, forms included) or reads an OpenAPI document and tests each operation, within a time budget, at level 1
/// and risk 1 (no heavy or data-changing payloads) and never extracts data. The report is what sqlmap printed:
/// <c>[scangate] target: METHOD URL</c> before each run, sqlmap's <c>testing URL '…'</c> before each URL it tests,
/// and for each injectable one the block after "sqlmap identified the following injection point(s)" —
/// <c>Parameter: NAME (PLACE)</c>, then <c>Type:</c>, <c>Title:</c>, <c>Payload:</c> per technique — followed by
/// <c>back-end DBMS: …</c>. One finding per parameter, naming the parameter, the techniques and the DBMS.
/// </summary>
public sealed partial class SqlmapAdapter : IContainerScanner
{
    public string Name => "sqlmap";
    public string Description => "sqlmap: SQL injection in a site's parameters and forms, or an OpenAPI document's operations (safe level and risk, no data extraction).";
    public TargetKind TargetKind => TargetKind.Url;
    public const string ApiQuick = "api-quick";
    public const string ApiStandard = "api-standard";
    public IReadOnlyList<ScannerUse> Uses { get; } =
    [
        new("web_vulnerability"),
        new("api_security", Profiles: new Dictionary<string, string> { ["quick"] = ApiQuick, ["standard"] = ApiStandard }),
    ];
    public string DefaultImage => "scangate/sqlmap:latest";

    private const string ReportPath = "/out/report.txt";

    /// <summary>scan-web's mode, sqlmap's level and risk, and the time budget in seconds of each profile. Risk stays 1
    /// (risk 3 adds OR-based payloads that can change data); comprehensive raises the level (more parameters: cookies,
    /// headers) and the budget.</summary>
    public static IReadOnlyList<string> ProfileArguments(string profile) => profile switch
    {
        "standard" => ["site", "2", "1", "600"],
        "comprehensive" => ["site", "3", "1", "1500"],
        ApiQuick => ["openapi", "1", "1", "300"],
        ApiStandard => ["openapi", "2", "1", "900"],
        _ => ["site", "1", "1", "180"], // quick
    };

    public ContainerPlan Plan(RunSpec spec)
    {
        var args = ProfileArguments(spec.Profile);
        return new ContainerPlan
        {
            Arguments = [args[0], spec.Target, .. args.Skip(1)],
            ReportPath = ReportPath,
            MemoryBytes = 768L * 1024 * 1024,
        };
    }

    public IProgressParser NewProgressParser(RunSpec spec) => new Progress();

    private sealed class Progress : IProgressParser
    {
        private int _urls;
        public ProgressUpdate? Parse(string line) =>
            TestingUrl().IsMatch(line) ? new ProgressUpdate($"testing URL {++_urls}", null)
            : line.StartsWith("phase: ", StringComparison.Ordinal) ? new ProgressUpdate(line["phase: ".Length..].Trim(), 5)
            : null;
    }

    private sealed record Technique(string Type, string? Title, string? Payload);

    private sealed class Injection(string url, string parameter, string place)
    {
        public string Url { get; } = url;
        public string Parameter { get; } = parameter;
        public string Place { get; } = place;
        public List<Technique> Techniques { get; } = [];
    }

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(report, Encoding.UTF8);
        string? url = null;
        var pending = new List<Injection>();
        Injection? current = null;
        var inBlock = false;
        var dashes = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("[scangate] target: ", StringComparison.Ordinal))
            {
                foreach (var f in Emit(pending, null, context)) yield return f;
                var target = line["[scangate] target: ".Length..].Trim();
                url = target[(target.IndexOf(' ') + 1)..];
                continue;
            }
            if (line.StartsWith("[scangate] time budget spent", StringComparison.Ordinal))
            {
                context.Warn(line["[scangate] ".Length..]);
                continue;
            }
            if (TestingUrl().Match(line) is { Success: true } testing)
            {
                foreach (var f in Emit(pending, null, context)) yield return f;
                url = testing.Groups[1].Value;
                continue;
            }
            if (line.StartsWith("sqlmap identified the following injection point", StringComparison.Ordinal))
            {
                inBlock = true;
                dashes = 0;
                continue;
            }
            if (inBlock)
            {
                if (line.Trim() == "---")
                {
                    if (++dashes == 2) { inBlock = false; current = null; }
                    continue;
                }
                if (ParameterLine().Match(line) is { Success: true } p)
                {
                    current = new Injection(url ?? "", p.Groups[1].Value, p.Groups[2].Value);
                    pending.Add(current);
                }
                else if (current is not null && line.TrimStart().StartsWith("Type: ", StringComparison.Ordinal))
                    current.Techniques.Add(new Technique(line.Trim()["Type: ".Length..], null, null));
                else if (current is { Techniques.Count: > 0 } && line.TrimStart().StartsWith("Title: ", StringComparison.Ordinal))
                    current.Techniques[^1] = current.Techniques[^1] with { Title = line.Trim()["Title: ".Length..] };
                else if (current is { Techniques.Count: > 0 } && line.TrimStart().StartsWith("Payload: ", StringComparison.Ordinal))
                    current.Techniques[^1] = current.Techniques[^1] with { Payload = line.Trim()["Payload: ".Length..] };
                continue;
            }
            if (line.StartsWith("back-end DBMS: ", StringComparison.Ordinal))
                foreach (var f in Emit(pending, line["back-end DBMS: ".Length..].Trim(), context)) yield return f;
        }
        if (inBlock) context.Warn("the report ends inside an injection-point block: it was cut off");
        foreach (var f in Emit(pending, null, context)) yield return f;
    }

    private static List<Finding> Emit(List<Injection> pending, string? dbms, FindingContext context)
    {
        var findings = pending.Select(i => Create(i, dbms, context)).ToList();
        pending.Clear();
        return findings;
    }

    private static Finding Create(Injection injection, string? dbms, FindingContext context)
    {
        var page = Uri.TryCreate(injection.Url, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Path) : injection.Url;
        var techniques = injection.Techniques.Select(t => t.Type).Distinct().ToList();
        var dbmsText = dbms ?? "DBMS not identified";
        var description = new StringBuilder(
            $"sqlmap confirmed SQL injection in the {injection.Place} parameter '{injection.Parameter}' of {injection.Url} (back-end DBMS: {dbmsText}). Techniques:");
        foreach (var t in injection.Techniques)
            description.Append($"\n- {t.Type}: {t.Title}" + (t.Payload is { } payload ? $" (payload: {Cap(payload, 300)})" : ""));
        return context.Create(FindingCategories.Vulnerability, Severity.High,
            $"SQL injection in {injection.Place} parameter '{injection.Parameter}' ({string.Join(", ", techniques)}; {dbmsText})",
            $"sql-injection:{injection.Place}:{injection.Parameter}",
            new FindingLocation { Url = page },
            description: description.ToString(),
            remediation: "Pass the parameter to the database as a bound parameter of a prepared statement; never build SQL text from request input.",
            references: ["CWE-89", "https://owasp.org/www-community/attacks/SQL_Injection"]);
    }

    private static string Cap(string text, int max) => text.Length <= max ? text : text[..max] + " …";

    [GeneratedRegex(@"\[INFO\] testing URL '([^']+)'")]
    private static partial Regex TestingUrl();

    [GeneratedRegex(@"^Parameter: (.+?) \((.+)\)\s*$")]
    private static partial Regex ParameterLine();
}
