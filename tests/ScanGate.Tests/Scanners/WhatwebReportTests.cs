using ScanGate.Contracts;
using ScanGate.Scanners.Adapters;
using static ScanGate.Tests.Infrastructure.Reports;

namespace ScanGate.Tests.Scanners;

/// <summary>WhatWeb's JSON log. Fixtures/whatweb-0.5.5.json is a real run of WhatWeb 0.5.5 (Debian trixie, image
/// scangate/whatweb, aggression 1) against a site on 127.0.0.1 that answers as Apache/2.4.49 with X-Powered-By
/// PHP/7.4.3 and a WordPress 4.7.1 generator tag.</summary>
public sealed class WhatwebReportTests
{
    [Fact]
    public async Task Technologies_are_info_findings_with_versions_and_versions_announced_in_headers_are_low()
    {
        await using var file = File.OpenRead(Fixture("whatweb-0.5.5.json"));
        var (findings, context) = await ParseAsync(new WhatwebAdapter(), file);

        Assert.Empty(context.Warnings);
        var tech = findings.Where(f => f.Severity == Severity.Info).ToDictionary(f => f.Location.Package!, f => f.Location.Version);
        Assert.Equal("4.7.1", tech["WordPress"]);
        Assert.Equal("2.4.49", tech["Apache"]);
        Assert.Equal("7.4.3", tech["PHP"]);
        Assert.False(tech.ContainsKey("IP"));
        Assert.False(tech.ContainsKey("Country"));
        var disclosed = findings.Where(f => f.Severity == Severity.Low).Select(f => f.Title).Order().ToList();
        Assert.Equal(["The server announces its software version: HTTPServer Apache/2.4.49 (Unix)",
            "The server announces its software version: X-Powered-By PHP/7.4.3"], disclosed);
        Assert.All(findings, f => Assert.Equal("http://127.0.0.1:18555/", f.Location.Url));
    }
}
