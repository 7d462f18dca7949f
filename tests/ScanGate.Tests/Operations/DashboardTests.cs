using System.Net;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Operations;

/// <summary>The Orleans Dashboard on the embedded silo, behind the API's own authentication: the platform
/// administrator's key opens its page and its data; an organisation's admin key is 403; no key is 401.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task Only_the_platform_administrator_gets_the_orleans_dashboard()
    {
        await using var host = await ApiHost.StartAsync();
        var tenant = await host.CreateTenantAsync("Dash" + Guid.NewGuid().ToString("N")[..6]);

        using (var page = await host.Http.GetAsync("/dashboard/index.html"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }
        using (var counters = await host.Http.GetAsync("/dashboard/DashboardCounters"))
        {
            Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
            var body = JsonDocument.Parse(await counters.Content.ReadAsStringAsync()).RootElement;
            Assert.True(body.EnumerateObject().Any(), "the dashboard's counters are empty");
        }

        foreach (var path in new[] { "/dashboard/index.html", "/dashboard/DashboardCounters", "/dashboard/ClusterStats" })
        {
            using var orgAdmin = host.ClientFor(tenant.Keys["admin"]);
            using var refused = await orgAdmin.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("platform administrator", await refused.Content.ReadAsStringAsync());

            using var anonymous = host.ClientFor(null);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        }
    }
}
