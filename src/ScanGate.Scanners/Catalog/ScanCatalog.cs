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
        foreach (var s in _scanners.Values)
            foreach (var use in s.Uses)
                if (!_types.TryGetValue(use.ScanType, out var t) || t.TargetKind != s.TargetKind)
                    throw new InvalidOperationException($"Scanner '{s.Name}' names scan type '{use.ScanType}', which is unknown or takes another kind of target.");
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
