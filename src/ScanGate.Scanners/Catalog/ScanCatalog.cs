using ScanGate.Contracts;

namespace ScanGate.Scanners.Catalog;

public sealed record ScanProfile(string Name, string Description);

public sealed record ScanTypeDefinition(
    string Name,
    string Description,
    TargetKind TargetKind,
    IReadOnlyList<ScanProfile> Profiles,
    string DefaultProfile);

/// <summary>Scan types, their profiles and the scanners that serve them.</summary>
public sealed class ScanCatalog
{
    private readonly Dictionary<string, IScannerAdapter> _scanners;
    private readonly Dictionary<string, ScanTypeDefinition> _types;

    public ScanCatalog(IEnumerable<ScanTypeDefinition> types, IEnumerable<IScannerAdapter> scanners)
    {
        _types = types.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _scanners = scanners.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var t in _types.Values)
            if (t.Profiles.All(p => p.Name != t.DefaultProfile))
                throw new InvalidOperationException($"Scan type '{t.Name}' has no profile named '{t.DefaultProfile}', its default.");
        foreach (var s in _scanners.Values)
            foreach (var use in s.Uses)
                if (Misfit(s, use) is { } why)
                    throw new InvalidOperationException($"Scanner '{s.Name}' cannot serve scan type '{use.ScanType}': {why}.");
    }

    /// <summary>Why a scanner cannot serve a scan type the way its use says, or null when it can.</summary>
    private string? Misfit(IScannerAdapter scanner, ScannerUse use)
    {
        if (!_types.TryGetValue(use.ScanType, out var type)) return "there is no such scan type";
        if (use.Target is { } derivation)
        {
            if (derivation.From != type.TargetKind)
                return $"its target derivation '{derivation.Name}' reads {derivation.From} targets and the scan type takes {type.TargetKind}";
            if (derivation.To != scanner.TargetKind)
                return $"its target derivation '{derivation.Name}' makes {derivation.To} targets and the scanner takes {scanner.TargetKind}";
        }
        else if (type.TargetKind != scanner.TargetKind)
            return $"the scan type takes {type.TargetKind} targets and the scanner {scanner.TargetKind}, and the use derives none";
        if (use.Profiles is { } map && type.Profiles.FirstOrDefault(p => !map.ContainsKey(p.Name)) is { } unmapped)
            return $"its profile map has no entry for the scan type's profile '{unmapped.Name}'";
        return null;
    }

    /// <summary>The target and profile <paramref name="scanner"/> runs with in a scan of <paramref name="type"/> on
    /// <paramref name="target"/> (normalised for the type) with the type's <paramref name="profile"/>: its own target
    /// where its use derives one, its own profile where its use maps it. Null when the target gives the scanner nothing
    /// to do (an http URL to a TLS scanner); <paramref name="why"/> then says what it needs.</summary>
    public ScannerInput? InputFor(ScanTypeDefinition type, IScannerAdapter scanner, string target, string profile, out string why)
    {
        why = "";
        var use = scanner.Uses.FirstOrDefault(u => u.ScanType == type.Name)
            ?? throw new ArgumentException($"scanner '{scanner.Name}' does not serve {type.Name}", nameof(scanner));
        var ownProfile = use.ProfileFor(profile);
        if (use.Target is not { } derivation) return new ScannerInput(target, ownProfile);
        if (derivation.Derive(target) is { } derived && Targets.TryNormalize(derivation.To, derived, out var normalized, out _))
            return new ScannerInput(normalized, ownProfile);
        why = $"scanner '{scanner.Name}' needs {derivation.Needs} in {type.Name}";
        return null;
    }

    /// <summary>The built-in scan types and scanners.</summary>
    public static ScanCatalog CreateDefault(IEnumerable<IScannerAdapter>? extraScanners = null,
        IEnumerable<ScanTypeDefinition>? extraTypes = null) =>
        new(BuiltIn.ScanTypes.Concat(extraTypes ?? []), BuiltIn.Scanners.Concat(extraScanners ?? []));

    public IReadOnlyCollection<ScanTypeDefinition> ScanTypes => _types.Values;
    public IReadOnlyCollection<IScannerAdapter> Scanners => _scanners.Values;

    public ScanTypeDefinition? FindType(string name) => _types.GetValueOrDefault(name);
    public IScannerAdapter? FindScanner(string name) => _scanners.GetValueOrDefault(name);
    public IScannerAdapter GetScanner(string name) =>
        FindScanner(name) ?? throw new KeyNotFoundException($"No scanner named '{name}' in the catalogue.");

    public IReadOnlyList<IScannerAdapter> ScannersFor(string scanType) =>
        _scanners.Values.Where(s => s.Uses.Any(u => u.ScanType == scanType)).OrderBy(s => s.Name).ToList();

    public IReadOnlyList<IScannerAdapter> DefaultScannersFor(string scanType) =>
        _scanners.Values.Where(s => s.Uses.Any(u => u.ScanType == scanType && u.ByDefault)).OrderBy(s => s.Name).ToList();
}
