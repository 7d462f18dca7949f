using System.Text.Json;

namespace ScanGate.Scanners.Sarif;

/// <summary>The rule descriptors of one SARIF run's tool (driver and extensions), found by index or by id.</summary>
internal sealed class SarifRules
{
    public static readonly SarifRules Empty = new(null, [], []);

    private readonly IReadOnlyList<JsonElement> _driver;
    private readonly IReadOnlyList<IReadOnlyList<JsonElement>> _extensions;
    private readonly Dictionary<string, JsonElement> _byId = new(StringComparer.Ordinal);

    public string? ToolName { get; }

    private SarifRules(string? toolName, IReadOnlyList<JsonElement> driver, IReadOnlyList<IReadOnlyList<JsonElement>> extensions)
    {
        ToolName = toolName;
        _driver = driver;
        _extensions = extensions;
        foreach (var rule in driver.Concat(extensions.SelectMany(e => e)))
            if (rule.Str("id") is { } id) _byId.TryAdd(id, rule);
    }

    public static SarifRules Of(JsonElement? tool)
    {
        if (tool is not { ValueKind: JsonValueKind.Object } t) return Empty;
        var driver = t.TryGetProperty("driver", out var d) ? d : default;
        var extensions = t.TryGetProperty("extensions", out var x) && x.ValueKind == JsonValueKind.Array
            ? x.EnumerateArray().Select(RulesOf).ToList()
            : [];
        return new SarifRules(driver.ValueKind == JsonValueKind.Object ? driver.Str("name") : null, RulesOf(driver), extensions);
    }

    private static IReadOnlyList<JsonElement> RulesOf(JsonElement component) =>
        component.ValueKind == JsonValueKind.Object && component.TryGetProperty("rules", out var rules) && rules.ValueKind == JsonValueKind.Array
            ? rules.EnumerateArray().ToList()
            : [];

    /// <summary>The descriptor a result points at: by index (in the tool component it names, else the driver), else
    /// by id, else by the id's parent in a hierarchical id ("a/b/c" → "a/b" → "a"); null when there is none.</summary>
    public JsonElement? Find(JsonElement result)
    {
        var reference = result.TryGetProperty("rule", out var r) && r.ValueKind == JsonValueKind.Object ? r : (JsonElement?)null;
        var index = reference?.Int("index") ?? result.Int("ruleIndex");
        var component = reference is { } rf && rf.TryGetProperty("toolComponent", out var tc) ? tc.Int("index") : null;
        var rules = component is { } c && c >= 0 && c < _extensions.Count ? _extensions[c] : _driver;
        if (index is { } i && i >= 0 && i < rules.Count) return rules[i];

        var id = reference?.Str("id") ?? result.Str("ruleId");
        while (!string.IsNullOrEmpty(id))
        {
            if (_byId.TryGetValue(id, out var rule)) return rule;
            var slash = id.LastIndexOf('/');
            id = slash > 0 ? id[..slash] : null;
        }
        return null;
    }
}
