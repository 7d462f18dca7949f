using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// What the container-image scanners (trivy, grype, syft, dockle, osv-scanner, dive) share. Each of them reads the
/// image from its registry inside its own container: scanner containers get no Docker socket, so an image that is
/// only in the silo's engine cannot be scanned. They therefore need a network that reaches the registry (and, for
/// trivy and grype, their vulnerability database; for osv-scanner, the OSV API): the default network mode
/// <c>host</c> (<c>ScanGate:Scanners:NetworkMode</c>) does; <c>none</c> does not.
/// </summary>
public static partial class ImageScanning
{
    /// <summary>The vulnerability databases, image layers and archives the tools write go to a work volume.</summary>
    public const string WorkPath = "/work";

    /// <summary>The sandbox of an image scanner: the report, a work volume, and room for a large image.</summary>
    public static ContainerPlan Plan(IReadOnlyList<string> arguments, string reportPath, IReadOnlyList<long>? successExitCodes = null) => new()
    {
        Arguments = arguments,
        ReportPath = reportPath,
        WorkPaths = [WorkPath],
        MemoryBytes = 2L * 1024 * 1024 * 1024,
        PidsLimit = 512,
        SuccessExitCodes = successExitCodes ?? [0],
    };

    /// <summary>A finding for one known vulnerability of one package. The rule is the vulnerability's CVE when it
    /// has one (among its id and aliases), so the same flaw reported under a GHSA id and under its CVE is one
    /// finding; the fix is the lowest fixed version above the installed one.</summary>
    public static Finding Vulnerability(FindingContext context, string id, IEnumerable<string?> aliases, Severity severity,
        FindingLocation location, string? summary, string? description, IEnumerable<string?> fixedVersions,
        double? cvss = null, string? cvssVector = null, IEnumerable<string?>? references = null)
    {
        var cves = aliases.Prepend(id).OfType<string>().Where(IsCve).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var fixedVersion = LowestFixAbove(location.Version, fixedVersions);
        var package = string.IsNullOrEmpty(location.Version) ? location.Package : $"{location.Package} {location.Version}";
        var title = string.IsNullOrWhiteSpace(summary) ? $"{id} in {package}" : $"{id} in {package}: {summary.Trim()}";
        return context.Create(FindingCategories.Vulnerability, severity, Shorten(title, 240), cves.FirstOrDefault() ?? id, location,
            description: string.IsNullOrWhiteSpace(description) ? null : description.Trim(),
            remediation: fixedVersion is null
                ? $"No fixed version of {location.Package} is known yet: watch for one, or remove the package if it is not needed."
                : $"Upgrade {location.Package} to {fixedVersion} or later, and rebuild the image.",
            references: references?.OfType<string>().Where(r => r.Length > 0).Distinct().ToList(),
            cves: cves, cvss: cvss, fixedVersion: fixedVersion, cvssVector: cvssVector);
    }

    public static bool IsCve(string id) => id.StartsWith("CVE-", StringComparison.OrdinalIgnoreCase);

    /// <summary>Of the versions that fix a problem, the lowest one above <paramref name="installed"/> (tools list
    /// one per release line); the first one when none compares above it.</summary>
    public static string? LowestFixAbove(string? installed, IEnumerable<string?> candidates)
    {
        var list = candidates.SelectMany(c => (c ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
        if (list.Count == 0) return null;
        if (string.IsNullOrEmpty(installed)) return list[0];
        return list.Where(v => VersionOrder.Compare(v, installed) > 0).OrderBy(v => v, VersionOrder.Instance).FirstOrDefault() ?? list[0];
    }

    /// <summary>Streams the elements at <paramref name="path"/> of a JSON report (<see cref="JsonStreaming"/>) and turns
    /// each into findings, yielding each fingerprint once: a tool that lists the same problem twice (two matchers, two
    /// result sections, a GHSA and a CVE record) gives one finding, the first one seen. Memory grows with the number
    /// of findings, never with the report.</summary>
    public static async IAsyncEnumerable<Finding> FindingsAtAsync(Stream report, FindingContext context, IReadOnlyList<string> path,
        IReadOnlyCollection<string>? capture, Func<JsonMatch, IEnumerable<Finding>> map,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var m in JsonStreaming.ElementsAtAsync(report, path, context, capture, cancellationToken))
            foreach (var f in map(m))
                if (seen.Add(f.Fingerprint)) yield return f;
    }

    public static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Removes terminal colour codes (dive colours its verdicts even into a pipe).</summary>
    public static string StripAnsi(string line) => AnsiEscape().Replace(line, "");

    [GeneratedRegex(@"\x1B\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}

/// <summary>A progress parser from a table of phrases the tool logs, in the order it reaches them: a line holding a
/// phrase moves the run to that step; percent never goes back.</summary>
public sealed class KeywordProgress(params (string Phrase, string Step, int Percent)[] steps) : IProgressParser
{
    private int _percent;

    public ProgressUpdate? Parse(string line)
    {
        foreach (var (phrase, step, percent) in steps)
        {
            if (!line.Contains(phrase, StringComparison.OrdinalIgnoreCase)) continue;
            _percent = Math.Max(_percent, percent);
            return new(step, _percent);
        }
        return null;
    }
}

/// <summary>An approximate order of package versions across ecosystems (semver, Debian, Alpine, PEP 440 …): runs of
/// digits compare as numbers, other runs as text, and a version that is a prefix of another is lower
/// ("2.5.0-1" &lt; "2.5.0-1+deb12u1"). Good enough to pick the fix above an installed version.</summary>
public sealed partial class VersionOrder : IComparer<string>
{
    public static readonly VersionOrder Instance = new();

    int IComparer<string>.Compare(string? x, string? y) => Compare(x ?? "", y ?? "");

    public static int Compare(string x, string y)
    {
        var a = Part().Matches(x.TrimStart('v', 'V'));
        var b = Part().Matches(y.TrimStart('v', 'V'));
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var (p, q) = (a[i].Value, b[i].Value);
            var c = char.IsAsciiDigit(p[0]) && char.IsAsciiDigit(q[0])
                ? CompareNumbers(p, q)
                : string.Compare(p, q, StringComparison.OrdinalIgnoreCase);
            if (c != 0) return c;
        }
        return a.Count.CompareTo(b.Count);
    }

    private static int CompareNumbers(string p, string q)
    {
        p = p.TrimStart('0'); q = q.TrimStart('0');
        return p.Length != q.Length ? p.Length.CompareTo(q.Length) : string.CompareOrdinal(p, q);
    }

    [GeneratedRegex(@"\d+|[A-Za-z]+")]
    private static partial Regex Part();
}

/// <summary>CVSS v3.0/v3.1 base scores from their vectors (the specification's formulas), for tools that give only
/// the vector. v2 and v4 vectors are not scored here.</summary>
public static class CvssV3
{
    public static double? BaseScore(string? vector)
    {
        if (vector is null || !vector.StartsWith("CVSS:3.", StringComparison.Ordinal)) return null;
        var m = vector.Split('/').Skip(1).Select(p => p.Split(':')).Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
        if (!m.TryGetValue("S", out var scope) || scope is not ("U" or "C")) return null;
        var changed = scope == "C";
        double? av = m.GetValueOrDefault("AV") switch { "N" => 0.85, "A" => 0.62, "L" => 0.55, "P" => 0.2, _ => null };
        double? ac = m.GetValueOrDefault("AC") switch { "L" => 0.77, "H" => 0.44, _ => null };
        double? pr = m.GetValueOrDefault("PR") switch { "N" => 0.85, "L" => changed ? 0.68 : 0.62, "H" => changed ? 0.5 : 0.27, _ => null };
        double? ui = m.GetValueOrDefault("UI") switch { "N" => 0.85, "R" => 0.62, _ => null };
        double? Cia(string k) => m.GetValueOrDefault(k) switch { "H" => 0.56, "L" => 0.22, "N" => 0.0, _ => null };
        var (c, i, a) = (Cia("C"), Cia("I"), Cia("A"));
        if (av is null || ac is null || pr is null || ui is null || c is null || i is null || a is null) return null;

        var iss = 1 - (1 - c.Value) * (1 - i.Value) * (1 - a.Value);
        var impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.Pow(iss - 0.02, 15) : 6.42 * iss;
        var exploitability = 8.22 * av.Value * ac.Value * pr.Value * ui.Value;
        if (impact <= 0) return 0.0;
        return RoundUp(Math.Min((changed ? 1.08 : 1.0) * (impact + exploitability), 10));
    }

    /// <summary>CVSS v3.1's round-up to one decimal, done on integers so 4.000000001 is not 4.1.</summary>
    private static double RoundUp(double value)
    {
        var scaled = (long)Math.Round(value * 100000);
        return scaled % 10000 == 0 ? scaled / 100000.0 : (Math.Floor(scaled / 10000.0) + 1) / 10.0;
    }
}
