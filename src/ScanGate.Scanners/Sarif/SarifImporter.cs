using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Sarif;

/// <summary>How a SARIF report becomes findings.</summary>
public sealed record SarifImportOptions
{
    /// <summary>The category of every finding; null decides it per run from the tool's name
    /// (<see cref="SarifImporter.CategoryForTool"/>).</summary>
    public string? Category { get; init; }

    /// <summary>The directory the tool scanned: artifact paths under it are made relative to it.</summary>
    public string? SourceRoot { get; init; }

    /// <summary>Title findings by the result's message before the rule's short description: for tools whose message
    /// names what was found and whose rules are shared by many things (flawfinder's "buffer/gets: …").</summary>
    public bool TitleFromMessage { get; init; }
}

/// <summary>
/// Reads SARIF 2.1.0 (what ESLint, secretlint, Semgrep, Checkov, CodeQL and many others write) as findings, one
/// result at a time: <c>runs[].results[]</c> is streamed and only the run's <c>tool</c> (its rule metadata) is held.
/// <list type="bullet">
/// <item>Rule: the result's <c>rule.index</c>/<c>ruleIndex</c>, else its <c>rule.id</c>/<c>ruleId</c>, in
/// <c>tool.driver.rules</c> (or <c>tool.extensions[rule.toolComponent.index].rules</c>).</item>
/// <item>Severity: the rule's <c>properties.security-severity</c> (a 0–10 score) through
/// <see cref="SeverityScale.FromCvss"/>; else the result's <c>level</c>, the rule's
/// <c>defaultConfiguration.level</c>, or SARIF's default <c>warning</c>, through <see cref="SeverityScale.FromWord"/>.</item>
/// <item>Location: <c>locations[0].physicalLocation</c>'s artifact URI (relative to
/// <see cref="SarifImportOptions.SourceRoot"/>) and <c>region.startLine</c>.</item>
/// <item>Fingerprint: ScanGate's own (scanner, rule, file and line); the tool's <c>partialFingerprints</c> are not used.</item>
/// <item>Left out: results of kind <c>pass</c> or <c>notApplicable</c>, results suppressed in source or
/// elsewhere (unless the suppression was rejected), and results whose <c>baselineState</c> is <c>absent</c>.</item>
/// <item>Secrets: for category <c>secret</c>, titles and descriptions are redacted (masks shortened, long
/// token-like strings and private-key blocks replaced), and no snippet is ever kept, whatever the category.</item>
/// </list>
/// A run whose <c>tool</c> comes after its results (SARIF allows it; no common tool writes it so) is read without
/// rule metadata, and says so. A truncated report yields the results before the cut and a warning.
/// </summary>
public static partial class SarifImporter
{
    private static readonly string[] ResultsPath = ["runs", "[]", "results", "[]"];
    private static readonly string[] Captures = ["tool"];

    /// <summary>Every result as a finding of <paramref name="category"/>.</summary>
    public static IAsyncEnumerable<Finding> ReadAsync(Stream sarif, FindingContext context, string category,
        CancellationToken cancellationToken = default) =>
        ReadAsync(sarif, context, new SarifImportOptions { Category = category }, cancellationToken);

    /// <summary>Every result as a finding whose category follows from its run's tool (an upload of SARIF from
    /// elsewhere): see <see cref="CategoryForTool"/>.</summary>
    public static IAsyncEnumerable<Finding> ReadAsync(Stream sarif, FindingContext context, CancellationToken cancellationToken) =>
        ReadAsync(sarif, context, new SarifImportOptions(), cancellationToken);

    public static async IAsyncEnumerable<Finding> ReadAsync(Stream sarif, FindingContext context, SarifImportOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (options.Category is { } given && !FindingCategories.IsKnown(given))
            throw new ArgumentException($"'{given}' is not a finding category", nameof(options));
        IReadOnlyDictionary<string, JsonElement>? seen = null;
        var rules = SarifRules.Empty;
        var category = options.Category ?? FindingCategories.Sast;
        var warnedNoTool = false;
        await foreach (var match in JsonStreaming.ElementsAtAsync(sarif, ResultsPath, context, Captures, cancellationToken))
        {
            if (!ReferenceEquals(match.Captured, seen))
            {
                seen = match.Captured;
                rules = SarifRules.Of(match.Get("tool"));
                category = options.Category ?? CategoryForTool(rules.ToolName);
                if (match.Get("tool") is null && !warnedNoTool)
                {
                    warnedNoTool = true;
                    context.Warn("a SARIF run lists its results before its tool: they were read without rule metadata");
                }
            }
            if (ToFinding(match.Item, rules, category, options, context) is { } finding) yield return finding;
        }
    }

    /// <summary>The category of an uploaded report's findings, from its tool's name: infrastructure-as-code checkers
    /// give <c>iac</c>, secret scanners <c>secret</c>, dependency scanners <c>vulnerability</c>, anything else
    /// <c>sast</c>.</summary>
    public static string CategoryForTool(string? toolName)
    {
        var name = toolName?.Trim().ToLowerInvariant() ?? "";
        if (IacTools.Any(name.Contains)) return FindingCategories.Iac;
        if (SecretTools.Any(name.Contains)) return FindingCategories.Secret;
        if (DependencyTools.Any(name.Contains)) return FindingCategories.Vulnerability;
        return FindingCategories.Sast;
    }

    private static readonly string[] IacTools = ["checkov", "tfsec", "kics", "terrascan", "tflint", "kube-linter", "hadolint"];
    private static readonly string[] SecretTools = ["secretlint", "gitleaks", "trufflehog", "detect-secrets", "ggshield"];
    private static readonly string[] DependencyTools = ["osv-scanner", "grype", "dependency-check", "npm audit", "snyk open source"];

    private static Finding? ToFinding(JsonElement result, SarifRules rules, string category, SarifImportOptions options, FindingContext context)
    {
        if (result.ValueKind != JsonValueKind.Object) return null;
        var kind = result.Str("kind") ?? "fail";
        if (kind is "pass" or "notApplicable" || IsSuppressed(result) || result.Str("baselineState") == "absent") return null;

        var rule = rules.Find(result);
        var ruleId = result.Str("ruleId") ?? Property(result, "rule")?.Str("id") ?? rule?.Str("id") ?? "unknown";
        var message = MessageText(result, rule);
        var secret = category == FindingCategories.Secret;

        var severity = SecuritySeverity(rule) is { } score
            ? SeverityScale.FromCvss(score)
            : SeverityScale.FromWord(result.Str("level")
                ?? Property(rule, "defaultConfiguration")?.Str("level")
                ?? (kind == "fail" ? "warning" : "none"));

        var title = options.TitleFromMessage && !string.IsNullOrWhiteSpace(message) ? message : Title(rule, ruleId, message);
        var description = message;
        if (secret)
        {
            title = SecretRedaction.Redact(title);
            description = description is null ? null : SecretRedaction.Redact(description);
        }

        var (file, line) = Location(result, options.SourceRoot);
        return context.Create(category, severity, FindingText.Headline(title), ruleId, new FindingLocation { File = file, Line = line },
            description: description,
            remediation: Text(Property(rule, "help")) ?? Text(Property(rule, "fullDescription")),
            references: References(rule));
    }

    private static bool IsSuppressed(JsonElement result) =>
        Property(result, "suppressions") is { ValueKind: JsonValueKind.Array } list
        && list.EnumerateArray().Any(s => s.Str("status") is null or "accepted");

    private static double? SecuritySeverity(JsonElement? rule)
    {
        var text = Property(Property(rule, "properties"), "security-severity") is { } v
            ? v.ValueKind == JsonValueKind.Number ? v.GetRawText() : v.ValueKind == JsonValueKind.String ? v.GetString() : null
            : null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var score) && score is >= 0 and <= 10 ? score : null;
    }

    /// <summary>The rule's own short description, unless it only repeats the rule's id (generated boilerplate such as
    /// "Semgrep Finding: &lt;id&gt;"); then the result's message; then the rule's name or id.</summary>
    private static string Title(JsonElement? rule, string ruleId, string? message)
    {
        var described = Text(Property(rule, "shortDescription"));
        if (!string.IsNullOrWhiteSpace(described) && !described.Contains(ruleId, StringComparison.Ordinal)) return described;
        if (!string.IsNullOrWhiteSpace(message)) return message;
        return rule?.Str("name") ?? ruleId;
    }

    /// <summary>The result's message: its text, or the rule's message string it names, with its arguments filled in.</summary>
    private static string? MessageText(JsonElement result, JsonElement? rule)
    {
        var message = Property(result, "message");
        if (message?.Str("text") is { Length: > 0 } text) return text;
        if (message?.Str("id") is not { } id || Property(Property(rule, "messageStrings"), id) is not { } template) return null;
        var pattern = template.Str("text");
        if (pattern is null) return null;
        var args = Property(message, "arguments") is { ValueKind: JsonValueKind.Array } a
            ? a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() ?? "" : x.GetRawText()).ToArray()
            : [];
        return Placeholder().Replace(pattern, m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) is var n && n < args.Length ? args[n] : m.Value);
    }

    private static (string? File, int? Line) Location(JsonElement result, string? sourceRoot)
    {
        if (Property(result, "locations") is not { ValueKind: JsonValueKind.Array } locations || locations.GetArrayLength() == 0) return (null, null);
        var physical = Property(locations[0], "physicalLocation");
        var file = SourcePaths.Relative(Property(physical, "artifactLocation")?.Str("uri"), sourceRoot);
        var line = Property(physical, "region")?.Int("startLine");
        return (file, line is > 0 ? line : null);
    }

    /// <summary>The rule's help page, then the CWE ids among its tags and properties and its relationships to the CWE
    /// taxonomy (as <c>CWE-79</c>).</summary>
    private static IReadOnlyList<string> References(JsonElement? rule)
    {
        var refs = new List<string>();
        if (rule?.Str("helpUri") is { Length: > 0 } help) refs.Add(help);
        var properties = Property(rule, "properties");
        foreach (var name in new[] { "tags", "cwe" })
        {
            if (Property(properties, name) is not { } values) continue;
            var items = values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().ToList() : [values];
            foreach (var item in items.Where(i => i.ValueKind == JsonValueKind.String))
                foreach (var cwe in Cwe.Ids(item.GetString()))
                    if (!refs.Contains(cwe)) refs.Add(cwe);
        }
        // SARIF's own way to name a weakness (flawfinder): a relationship to a rule of the CWE taxonomy.
        if (Property(rule, "relationships") is { ValueKind: JsonValueKind.Array } relationships)
            foreach (var target in relationships.EnumerateArray().Select(r => Property(r, "target")))
                if (Property(Property(target, "toolComponent"), "name")?.GetString() == "CWE")
                    foreach (var cwe in Cwe.Ids(target?.Str("id")))
                        if (!refs.Contains(cwe)) refs.Add(cwe);
        return refs;
    }

    private static JsonElement? Property(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    /// <summary>A SARIF multiformat message: its text, else its markdown.</summary>
    private static string? Text(JsonElement? message) => message?.Str("text") ?? message?.Str("markdown");

    [GeneratedRegex(@"\{(\d+)\}")]
    private static partial Regex Placeholder();
}
