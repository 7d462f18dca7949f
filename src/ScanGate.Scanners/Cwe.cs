using System.Text.RegularExpressions;

namespace ScanGate.Scanners;

/// <summary>CWE ids as tools write them ("CWE-79", "cwe-079: Improper …", "external/cwe/cwe-79", 79), in one form: <c>CWE-79</c>.</summary>
public static partial class Cwe
{
    public static IEnumerable<string> Ids(string? text)
    {
        if (string.IsNullOrEmpty(text)) yield break;
        foreach (Match m in Pattern().Matches(text))
            yield return Of(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    public static string Of(int id) => $"CWE-{id}";

    [GeneratedRegex(@"(?i)\bcwe[-_/ ]?0*(\d{1,5})\b")]
    private static partial Regex Pattern();
}
