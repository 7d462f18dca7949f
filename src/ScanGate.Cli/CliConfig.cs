using System.Text.Json;
using ScanGate.Cli.Api;

namespace ScanGate.Cli;

/// <summary>
/// Where the server and key come from: the flags, then SCANGATE_URL / SCANGATE_API_KEY, then the profile file
/// <c>scangate login</c> wrote (SCANGATE_CONFIG, else $XDG_CONFIG_HOME/scangate/config.json, else
/// ~/.config/scangate/config.json; mode 0600).
/// </summary>
public static class CliConfig
{
    public static string ProfilePath(CliContext cli)
    {
        if (cli.Environment("SCANGATE_CONFIG") is { Length: > 0 } explicitPath) return explicitPath;
        var configHome = cli.Environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(cli.Environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(configHome, "scangate", "config.json");
    }

    public static CliProfile? ReadProfile(CliContext cli)
    {
        var path = ProfilePath(cli);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize(File.ReadAllText(path), CliJson.Default.CliProfile); }
        catch (JsonException ex) { throw new CliException(ExitCodes.Usage, $"the profile file {path} is not valid JSON ({ex.Message}); run scangate login again"); }
    }

    /// <summary>Writes the profile readable by its owner only, created so from the start (never world-readable for a moment).</summary>
    public static string WriteProfile(CliContext cli, CliProfile profile)
    {
        var path = ProfilePath(cli);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temp, options))
            JsonSerializer.Serialize(file, profile, CliJson.Default.CliProfile);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    public static (Uri Url, string Key) Resolve(CliContext cli, string? urlFlag, string? keyFlag)
    {
        var profile = (urlFlag is null || keyFlag is null) && (cli.Environment("SCANGATE_URL") is null || cli.Environment("SCANGATE_API_KEY") is null)
            ? ReadProfile(cli) : null;
        var url = urlFlag ?? NonEmpty(cli.Environment("SCANGATE_URL")) ?? profile?.Url;
        var key = keyFlag ?? NonEmpty(cli.Environment("SCANGATE_API_KEY")) ?? profile?.ApiKey;
        if (url is null)
            throw new CliException(ExitCodes.Usage, "no ScanGate URL: pass --url, set SCANGATE_URL, or run scangate login");
        if (key is null)
            throw new CliException(ExitCodes.Usage, "no API key: pass --api-key, set SCANGATE_API_KEY, or run scangate login");
        return (ParseUrl(url), key);
    }

    public static Uri ParseUrl(string url) =>
        Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException(ExitCodes.Usage, $"'{url}' is not an http:// or https:// URL");

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
