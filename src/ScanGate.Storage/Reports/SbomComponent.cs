using ScanGate.Contracts;

namespace ScanGate.Storage.Reports;

/// <summary>
/// A software component as an SBOM names it, made from a finding's package and version. Its package URL comes
/// from the finding when the tool gave one (a <c>pkg:</c> package name, reference or rule id), or is derived from
/// the manifest or lock file the package was found in; otherwise it has none.
/// </summary>
public sealed record SbomComponent(string Name, string? Version, string? Purl)
{
    /// <summary>The component's reference inside a document: its package URL, or its name and version.</summary>
    public string Ref => Purl ?? (Version is null ? $"component:{Name}" : $"component:{Name}@{Version}");

    /// <summary>What matches a vulnerability to a component: name and version, whatever the purl says.</summary>
    public string Key => $"{Name}@{Version}";

    /// <summary>The component a finding names, or null when it names no package.</summary>
    public static SbomComponent? Of(Finding f)
    {
        var package = f.Location.Package?.Trim();
        var version = f.Location.Version is { Length: > 0 } v ? v.Trim() : null;
        if (string.IsNullOrEmpty(package)) return null;
        var given = IsPurl(package) ? package
            : f.References.FirstOrDefault(IsPurl) ?? (f.RuleId is { } rule && IsPurl(rule) ? rule : null);
        if (given is not null && PurlName(given) is { } named)
        {
            var purlVersion = PurlVersion(given);
            version ??= purlVersion;
            var path = WithoutQualifiers(given);
            var purl = purlVersion is null && version is not null ? path + "@" + Uri.EscapeDataString(version) + given[path.Length..] : given;
            return new SbomComponent(IsPurl(package) ? named : package, version, purl);
        }
        return new SbomComponent(package, version, Derive(package, version, f.Location.File));
    }

    private static bool IsPurl(string s) => s.StartsWith("pkg:", StringComparison.OrdinalIgnoreCase) && s.IndexOf('/') > 4;

    /// <summary>The name segment of a package URL (after the last slash of its path), decoded.</summary>
    private static string? PurlName(string purl)
    {
        var path = WithoutQualifiers(purl);
        var at = path.LastIndexOf('@');
        if (at > path.LastIndexOf('/')) path = path[..at];
        var name = path[(path.LastIndexOf('/') + 1)..];
        return name.Length > 0 ? Uri.UnescapeDataString(name) : null;
    }

    private static string? PurlVersion(string purl)
    {
        var path = WithoutQualifiers(purl);
        var at = path.LastIndexOf('@');
        return at > path.LastIndexOf('/') && at < path.Length - 1 ? Uri.UnescapeDataString(path[(at + 1)..]) : null;
    }

    private static string WithoutQualifiers(string purl)
    {
        var end = purl.IndexOfAny(['?', '#']);
        return end < 0 ? purl : purl[..end];
    }

    /// <summary>A package URL from the ecosystem the manifest or lock file belongs to, when it tells.</summary>
    private static string? Derive(string package, string? version, string? file)
    {
        if (EcosystemOf(file) is not { } type) return null;
        string? ns = null;
        var name = package;
        switch (type)
        {
            case "npm" when name.StartsWith('@') && name.IndexOf('/') is > 1 and var slash:
                ns = name[..slash];
                name = name[(slash + 1)..];
                break;
            case "maven" when name.Split(':') is [var group, var artifact, ..] && group.Length > 0 && artifact.Length > 0:
                ns = group;
                name = artifact;
                break;
            case "golang" when name.LastIndexOf('/') is > 0 and var last:
                ns = name[..last];
                name = name[(last + 1)..];
                break;
            case "pypi":
                name = name.ToLowerInvariant().Replace('_', '-');
                break;
        }
        var nsPart = ns is null ? "" : string.Join('/', ns.Split('/').Select(Uri.EscapeDataString)) + "/";
        return $"pkg:{type}/{nsPart}{Uri.EscapeDataString(name)}" + (version is null ? "" : "@" + Uri.EscapeDataString(version));
    }

    private static string? EcosystemOf(string? file)
    {
        if (string.IsNullOrEmpty(file)) return null;
        var name = file.Replace('\\', '/')[(file.Replace('\\', '/').LastIndexOf('/') + 1)..].ToLowerInvariant();
        return name switch
        {
            "package-lock.json" or "npm-shrinkwrap.json" or "yarn.lock" or "pnpm-lock.yaml" or "package.json" => "npm",
            "pipfile.lock" or "poetry.lock" or "pyproject.toml" or "uv.lock" or "setup.py" => "pypi",
            _ when name.StartsWith("requirements", StringComparison.Ordinal) && name.EndsWith(".txt", StringComparison.Ordinal) => "pypi",
            "go.mod" or "go.sum" => "golang",
            "cargo.lock" or "cargo.toml" => "cargo",
            "gemfile.lock" or "gemfile" => "gem",
            "composer.lock" or "composer.json" => "composer",
            "packages.lock.json" or "packages.config" => "nuget",
            _ when name.EndsWith(".csproj", StringComparison.Ordinal) => "nuget",
            "pom.xml" or "gradle.lockfile" or "build.gradle" or "build.gradle.kts" => "maven",
            _ => null,
        };
    }
}
