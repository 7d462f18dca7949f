using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary>
/// docs/compat.md stays true: every route row it lists (a table cell "`METHOD /compat/…`") is mapped by the API, and
/// every route the API maps under /compat/ is listed there. Read from the running host's EndpointDataSource.
/// </summary>
public sealed partial class CompatRoutesDocumentedTests
{
    [GeneratedRegex(@"^\|\s*`(GET|POST|PUT|PATCH|DELETE) (/compat/[^`\s]+)`\s*\|")]
    private static partial Regex RouteRow();

    private static IReadOnlyList<(string Method, string Path)> Documented() =>
        File.ReadLines(Path.Combine(CompatProcess.RepositoryRoot(), "docs", "compat.md"))
            .Select(l => RouteRow().Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    private static IReadOnlyList<(string Method, string Pattern)> Mapped(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/')))
            .Where(e => e.Pattern.StartsWith("/compat/", StringComparison.Ordinal))
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (m, e.Pattern)))
            .ToList();

    /// <summary>Whether a documented path is one the route pattern serves: literal segments equal, a parameter segment
    /// takes anything (or what its regex constraint allows, when the document names a literal there).</summary>
    internal static bool Serves(string pattern, string path)
    {
        var ps = pattern.Trim('/').Split('/');
        var ds = path.Trim('/').Split('/');
        if (ps.Length != ds.Length) return false;
        for (var i = 0; i < ps.Length; i++)
        {
            var p = ps[i];
            var d = ds[i];
            if (!p.StartsWith('{'))
            {
                if (!string.Equals(p, d, StringComparison.OrdinalIgnoreCase)) return false;
                continue;
            }
            if (d.StartsWith('{')) continue;
            var constraint = Regex.Match(p, @":regex\((.*)\)\}$");
            if (constraint.Success && !Regex.IsMatch(d, constraint.Groups[1].Value)) return false;
        }
        return true;
    }

    [Fact]
    public void The_matcher_tells_routes_apart()
    {
        const string commands = "/compat/pepper/api/scans/{id}/{command:regex(^(pause|resume|stop|cancel)$)}";
        Assert.True(Serves(commands, "/compat/pepper/api/scans/{id}/pause"));
        Assert.False(Serves(commands, "/compat/pepper/api/scans/{id}/rescan"));
        Assert.False(Serves("/compat/pepper/api/scans/{id}", "/compat/pepper/api/scans/{id}/artifacts"));
        Assert.False(Serves("/compat/offload/api/cicd/scan-types", "/compat/offload/api/cicd/scan-kinds"));
        Assert.True(Serves("/compat/pepper/api/findings/{id}", "/compat/pepper/api/findings/{findingId}"));
    }

    [Fact]
    public async Task Every_documented_route_is_mapped_and_every_compat_route_is_documented()
    {
        await using var host = await ApiHost.StartAsync();
        var mapped = Mapped(host.Services);
        var documented = Documented();
        Assert.True(documented.Count > 50, $"docs/compat.md lists only {documented.Count} routes");
        Assert.True(mapped.Count > 50, $"only {mapped.Count} compat routes are mapped");

        var unmapped = documented.Where(d => !mapped.Any(m => (m.Method == d.Method || m.Method == "*") && Serves(m.Pattern, d.Path)))
            .Select(d => $"{d.Method} {d.Path}").ToList();
        Assert.True(unmapped.Count == 0, "documented in docs/compat.md but not mapped: " + string.Join("; ", unmapped));

        var undocumented = mapped.Where(m => !documented.Any(d => (m.Method == d.Method || m.Method == "*") && Serves(m.Pattern, d.Path)))
            .Select(m => $"{m.Method} {m.Pattern}").ToList();
        Assert.True(undocumented.Count == 0, "mapped but missing from docs/compat.md: " + string.Join("; ", undocumented));

        // And a row for a route that does not exist would be caught.
        Assert.DoesNotContain(mapped, m => Serves(m.Pattern, "/compat/offload/api/cicd/scans/{id}/explain"));
    }
}
