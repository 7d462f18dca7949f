using ScanGate.Contracts;

namespace ScanGate.Scanners;

/// <summary>What every scanner adapter declares about itself.</summary>
public interface IScannerAdapter
{
    /// <summary>The scanner's name in requests and run keys, e.g. "nmap".</summary>
    string Name { get; }
    string Description { get; }
    TargetKind TargetKind { get; }
    /// <summary>The scan types this scanner serves, and whether it runs by default in each.</summary>
    IReadOnlyList<ScannerUse> Uses { get; }
}

/// <summary>A scanner's place in a scan type: default scanners run when a request names none. A scanner serves a
/// scan type whose targets are of another kind through a <paramref name="Target"/> derivation (a URL's host for a
/// port scan); <paramref name="Profiles"/> maps each of the scan type's profiles to the scanner's own, when their
/// names differ.</summary>
public sealed record ScannerUse(string ScanType, bool ByDefault = true, TargetDerivation? Target = null,
    IReadOnlyDictionary<string, string>? Profiles = null)
{
    /// <summary>The scanner's own profile for the scan type's <paramref name="profile"/>.</summary>
    public string ProfileFor(string profile) => Profiles?.GetValueOrDefault(profile) ?? profile;
}

/// <summary>
/// A scanner that runs as a container. The adapter only describes the run (image, arguments,
/// parsers); the run grain performs it through the container runtime.
/// </summary>
public interface IContainerScanner : IScannerAdapter
{
    string DefaultImage { get; }
    /// <summary>The arguments and sandbox the tool needs. Every user string is one argument; no shell.</summary>
    ContainerPlan Plan(RunSpec spec);
    /// <summary>A fresh, stateful parser for one run's log lines.</summary>
    IProgressParser NewProgressParser(RunSpec spec);
    /// <summary>Streams findings out of the tool's report. A truncated report (a stopped run)
    /// yields what it holds and notes the truncation on the context.</summary>
    IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken);
}

/// <summary>A scanner that runs inside the silo process (no container).</summary>
public interface IInProcessScanner : IScannerAdapter
{
    IAsyncEnumerable<Finding> ScanAsync(RunSpec spec, FindingContext context, HttpClient http, CancellationToken cancellationToken);
}

/// <summary>How to run a tool in its container.</summary>
public sealed record ContainerPlan
{
    public required IReadOnlyList<string> Arguments { get; init; }
    /// <summary>Where the tool writes its report, inside the container's output volume.</summary>
    public required string ReportPath { get; init; }
    /// <summary>Small scratch paths the tool writes; mounted as tmpfs (world-writable, sticky).</summary>
    public IReadOnlyList<string> ScratchPaths { get; init; } = ["/tmp"];
    /// <summary>Larger working directories the image prepares for its user; anonymous volumes, removed with the container.</summary>
    public IReadOnlyList<string> WorkPaths { get; init; } = [];
    public bool ReadOnlyRoot { get; init; } = true;
    /// <summary>Capabilities the tool needs; all others are dropped.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public long MemoryBytes { get; init; } = 512L * 1024 * 1024;
    public double Cpus { get; init; } = 1.0;
    public long PidsLimit { get; init; } = 256;
    /// <summary>Exit codes that mean "ran to the end" (some tools exit non-zero when they find something).</summary>
    public IReadOnlyList<long> SuccessExitCodes { get; init; } = [0];
}

/// <summary>What a tool's log line says about its progress.</summary>
public readonly record struct ProgressUpdate(string? Step, int? Percent);

public interface IProgressParser
{
    /// <summary>Null when the line says nothing about progress.</summary>
    ProgressUpdate? Parse(string line);
}

/// <summary>Progress of an image entry point that clones a repository and then runs its tool on the clone, printing
/// "phase: cloning", "phase: <paramref name="work"/>" and "phase: done".</summary>
public sealed class ClonePhaseProgress(string work) : IProgressParser
{
    public ProgressUpdate? Parse(string line)
    {
        var trimmed = line.Trim();
        if (!trimmed.StartsWith("phase: ", StringComparison.Ordinal)) return null;
        var phase = trimmed["phase: ".Length..];
        return phase == "cloning" ? new(phase, 10) : phase == work ? new(phase, 50) : phase == "done" ? new(phase, 99) : null;
    }
}

/// <summary>Per-run context handed to report parsers: builds findings with stable fingerprints.</summary>
public sealed class FindingContext(string scanId, string scanner, TimeProvider? clock = null)
{
    private readonly List<string> _warnings = [];
    public string ScanId { get; } = scanId;
    public string Scanner { get; } = scanner;
    public DateTimeOffset Now { get; } = (clock ?? TimeProvider.System).GetUtcNow();
    public IReadOnlyList<string> Warnings => _warnings;
    public void Warn(string message) => _warnings.Add(message);

    /// <summary>A new finding; its fingerprint hashes the scanner, the rule and the location's identity (file and
    /// line, URL, host and port, package without version, image without tag), so it is stable across scans.</summary>
    public Finding Create(string category, Severity severity, string title, string ruleId, FindingLocation location,
        string? description = null, string? remediation = null, IReadOnlyList<string>? references = null,
        IReadOnlyList<string>? cves = null, double? cvss = null, string? fixedVersion = null, string? cvssVector = null) => new()
    {
        Id = Ids.NewFindingId(),
        Fingerprint = Fingerprints.Of(Scanner, ruleId, location.IdentityKey()),
        FixedVersion = fixedVersion,
        CvssVector = cvssVector,
        ScanId = ScanId,
        Scanner = Scanner,
        Category = category,
        Severity = severity,
        Title = title,
        Description = description,
        RuleId = ruleId,
        Location = location,
        Remediation = remediation,
        References = references ?? [],
        Cves = cves ?? [],
        Cvss = cvss,
        DetectedAt = Now,
    };
}

public static class Fingerprints
{
    public static string Of(params string?[] parts)
    {
        var text = string.Join('\u001f', parts.Select(p => p ?? ""));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..32];
    }
}

public static class Ids
{
    /// <summary>Finding ids: "fnd_" and 26 sortable characters (a ULID-shaped value).</summary>
    public static string NewFindingId() => "fnd_" + SortableId.New();
    public static string NewScanId() => "scn_" + SortableId.New();
}

/// <summary>A ULID: 48-bit millisecond time and 80 random bits in Crockford base32, so ids sort by creation time.</summary>
public static class SortableId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--) { bytes[i] = (byte)(ms & 0xFF); ms >>= 8; }
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes[6..]);
        var value = new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        Span<char> chars = stackalloc char[26];
        for (var i = 25; i >= 0; i--) { chars[i] = Alphabet[(int)(value & 31)]; value >>= 5; }
        return new string(chars);
    }

    public static bool IsValid(string s) => s.Length == 26 && s.All(c => Alphabet.Contains(c));
}
