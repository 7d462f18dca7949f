namespace ScanGate.Scanners;

/// <summary>Tools' long messages made into titles.</summary>
public static class FindingText
{
    public const int MaxTitle = 240;

    /// <summary>The first line of <paramref name="text"/>, trimmed, cut at <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Headline(string text, int max = MaxTitle)
    {
        var trimmed = text.Trim();
        var end = trimmed.IndexOfAny(['\r', '\n']);
        var line = end < 0 ? trimmed : trimmed[..end].TrimEnd();
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }
}
