using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>Grains that call each other cannot wait on each other, and numbering does not grow with history.</summary>
public sealed class GrainInteractionTests : IAsyncLifetime
{
    private ScanCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ScanCluster.StartAsync();
    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Removing_a_member_while_its_key_authenticates_never_deadlocks_and_the_key_stops_working()
    {
        var grains = _cluster.Client;
        var org = grains.GetGrain<IOrganizationGrain>(ScanCluster.OrgId);
        for (var i = 0; i < 25; i++)
        {
            var member = (await org.AddMember($"dev{i}@example.com", null, OrgRole.Developer)).Value!;
            var (_, record) = await ApiKeys.CreateAsync(grains, ScanCluster.OrgId, member.MemberId, $"key {i}", [Scopes.ScansRead], 30, null, 600,
                platformAdmin: false, createdBy: null);
            var hash = await org.KeyHash(record.KeyId);
            var key = grains.GetGrain<IApiKeyGrain>(hash!);

            // The organisation removes the member (and revokes its keys) while the key asks it for the member's role.
            var remove = org.RemoveMember(member.MemberId);
            var authenticate = key.Authenticate();
            await Task.WhenAll(authenticate, remove).WaitAsync(TimeSpan.FromSeconds(10)); // a deadlock would wait for the 30 s call timeout
            Assert.True((await remove).Ok);

            Assert.Equal(AuthOutcome.Invalid, (await key.Authenticate()).Outcome);
            await Eventually.UntilAsync(async () => (await key.Get())!.RevokedAt is not null, TimeSpan.FromSeconds(10), "the removed member's key was not revoked");
        }
    }

    [Fact]
    public async Task Scan_numbers_are_consecutive_unique_stable_and_found_again_across_blocks()
    {
        var numbers = _cluster.Client.GetGrain<IScanNumbersGrain>(IScanNumbersGrain.KeyOf("test", ScanCluster.OrgId));
        var ids = Enumerable.Range(0, 2_100).Select(i => $"scn_numbered_{i:D5}").ToList();
        var assigned = new List<long>();
        foreach (var id in ids) assigned.Add(await numbers.Assign(id));
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(n => (long)n), assigned);
        Assert.Equal(assigned[1234], await numbers.Assign(ids[1234])); // a scan keeps its number
        foreach (var n in new long[] { 1, 999, 1000, 1001, 2000, 2100 }) Assert.Equal(ids[(int)n - 1], await numbers.Find(n));
        Assert.Null(await numbers.Find(0));
        Assert.Null(await numbers.Find(2101));
        // Another organisation's numbers are its own.
        Assert.Null(await _cluster.Client.GetGrain<IScanNumbersGrain>(IScanNumbersGrain.KeyOf("test", "org_other")).Find(1));
    }
}

/// <summary>A scan admitted while its runs cannot be started (the run's silo unreachable, say) still starts, completes
/// and gives its slot back: admission repeats a grant that did not become a started scan.</summary>
public sealed class AdmissionRecoveryTests
{
    [Fact]
    public async Task A_scan_whose_run_start_failed_once_is_started_again_completes_and_leaks_no_slot()
    {
        var failures = 0;
        await using var cluster = await ScanCluster.StartAsync(configureSilo: silo =>
        {
            silo.Services.PostConfigure<AdmissionOptions>(o => o.ReconcileSeconds = 1);
            // The first start of a run fails as it does when the grain directory still routes to a dead silo.
            silo.AddIncomingGrainCallFilter(async context =>
            {
                if (context.InterfaceMethod?.Name == nameof(IScannerRunGrain.Start) && context.Grain is ScannerRunGrain
                    && Interlocked.Increment(ref failures) == 1)
                    throw new Orleans.Runtime.OrleansException("simulated: unable to connect to the silo the run was placed on");
                await context.Invoke();
            });
        });
        using var site = new System.Net.HttpListener();
        var port = Net.FreePort();
        site.Prefixes.Add($"http://127.0.0.1:{port}/");
        site.Start();
        _ = Task.Run(async () =>
        {
            while (site.IsListening)
            {
                var context = await site.GetContextAsync();
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        var id = await cluster.StartScanAsync(new { scan_type = "security_headers", target = $"http://127.0.0.1:{port}/" });
        var done = await cluster.WaitForAsync(id, s => s.Status.IsTerminal(), TimeSpan.FromMinutes(1), "the scan whose run start failed never finished");
        Assert.Equal(ScanStatus.Completed, done.Status);
        Assert.True(failures >= 2, "the run's start was not tried again");
        await Eventually.UntilAsync(async () => (await cluster.Client.GetGrain<IAdmissionGrain>(0).Snapshot()).Running == 0,
            TimeSpan.FromSeconds(10), "the scan's admission slot was not given back");
    }
}
