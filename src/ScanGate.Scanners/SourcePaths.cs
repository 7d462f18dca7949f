namespace ScanGate.Scanners;

/// <summary>File paths of code findings, the same whatever form the tool printed them in.</summary>
public static class SourcePaths
{
    /// <summary>
    /// A path or URI as a tool wrote it, made relative to <paramref name="root"/> (the directory the tool scanned):
    /// no <c>file://</c> scheme, percent escapes decoded, forward slashes, no leading <c>./</c> or <c>/</c>. A path
    /// outside the root is kept whole (without its leading slash). Null for an empty path.
    /// </summary>
    public static string? Relative(string? pathOrUri, string? root)
    {
        if (string.IsNullOrWhiteSpace(pathOrUri)) return null;
        var p = pathOrUri.Trim();
        if (p.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            p = Uri.TryCreate(p, UriKind.Absolute, out var uri) ? uri.LocalPath : p["file:".Length..];
        else if (p.Contains('%'))
            p = Uri.UnescapeDataString(p);
        p = p.Replace('\\', '/');
        if (!string.IsNullOrEmpty(root))
        {
            var prefix = root.TrimEnd('/') + "/";
            if (p.StartsWith(prefix, StringComparison.Ordinal)) p = p[prefix.Length..];
        }
        while (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        p = p.TrimStart('/');
        return p.Length == 0 ? null : p;
    }
}
