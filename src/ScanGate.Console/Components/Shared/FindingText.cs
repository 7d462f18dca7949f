using ScanGate.Contracts;

namespace ScanGate.WebConsole.Components.Shared;

/// <summary>How the console writes a finding's place in one line.</summary>
public static class FindingText
{
    public static string Where(Finding f) => f.Location switch
    {
        { File: { } file, Line: { } line } => $"{file}:{line}",
        { File: { } file } => file,
        { Url: { } url } => url,
        { Host: { } host, Port: { } port } => $"{host}:{port}",
        { Package: { } package } => package + (f.Location.Version is { } v ? "@" + v : ""),
        { Host: { } host } => host,
        _ => f.Location.Image ?? f.Location.Resource ?? "—",
    };
}
