using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary>A process configured as the platform documents its webhooks: one secret per Git host for the whole
/// deployment, from the environment (GITHUB_WEBHOOK_SECRET, GITLAB_WEBHOOK_SECRET).</summary>
public sealed class PepperWebhookProcess() : CompatProcess(new Dictionary<string, string>
{
    ["GITHUB_WEBHOOK_SECRET"] = GitHubSecret, ["GITLAB_WEBHOOK_SECRET"] = GitLabSecret,
})
{
    public const string GitHubSecret = "s3cret-webhook-value-0123456789";
    public const string GitLabSecret = "gitlab-token-value-9876543210";
}

/// <summary><c>POST /compat/pepper/api/webhooks/github|gitlab</c> as documented: no query parameters, the deployment's
/// secrets, an INCREMENTAL scan of the head commit of the event's repository.</summary>
public sealed class PepperWebhookTests(PepperWebhookProcess scangate) : IClassFixture<PepperWebhookProcess>
{
    private const string Api = "/compat/pepper/api";

    private static Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpClient http, HttpMethod method, string path, object? body = null) =>
        CompatProcess.SendAsync(http, method, path, body);

    private static Task<JsonElement> WaitForEndAsync(HttpClient http, string scanId) => PepperCompatTests.WaitForEndAsync(http, scanId);

    [Fact]
    public async Task Webhooks_check_their_signature_and_queue_an_incremental_scan_of_the_head_commit()
    {
        // The deployment's only organisation (the platform's aside) is where webhook scans go.
        var (_, key, _) = await scangate.TenantAsync("pepper-hooks", "admin");
        var http = scangate.Client(key, "Bearer");
        await using var git = await GitRepositoryServer.StartAsync();
        const string secret = PepperWebhookProcess.GitHubSecret;
        Assert.Equal(HttpStatusCode.Created, (await Send(http, HttpMethod.Post, $"{Api}/projects",
            new { projectId = "shop", name = "Shop", repoUrl = git.Url })).Status);

        var head = await git.RevParseAsync("HEAD");
        var baseSha = await git.RevParseAsync("HEAD~1");
        var push = JsonSerializer.Serialize(new { @ref = "refs/heads/main", before = baseSha, after = head, repository = new { clone_url = git.Url } });
        var anonymous = scangate.Client(null);
        var path = $"{Api}/webhooks/github";

        using (var unsigned = await anonymous.SendAsync(GitHubPush(path, push, secret: null))) Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        using (var wrong = await anonymous.SendAsync(GitHubPush(path, push, secret: "not-the-secret-at-all"))) Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using (var ping = await anonymous.SendAsync(GitHubPush(path, "{\"zen\":\"hi\"}", secret, "ping"))) Assert.Equal(HttpStatusCode.OK, ping.StatusCode);

        string scanId;
        using (var accepted = await anonymous.SendAsync(GitHubPush(path, push, secret)))
        {
            var text = await accepted.Content.ReadAsStringAsync();
            Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, text);
            var body = JsonDocument.Parse(text).RootElement;
            Assert.Equal("INCREMENTAL", body.GetProperty("scanType").GetString());
            scanId = body.GetProperty("scanId").GetString()!;
        }
        // Visible through this surface's list and natively, as an incremental secret scan of the head against the base.
        Assert.Contains((await Send(http, HttpMethod.Get, $"{Api}/scans?projectId=shop")).Body.GetProperty("scans").EnumerateArray(),
            s => s.GetProperty("scanId").GetString() == scanId);
        var (_, native) = await Send(http, HttpMethod.Get, $"/api/v1/scans/{scanId}");
        Assert.Equal("secret_scan", native.GetProperty("scan_type").GetString());
        Assert.Equal(git.Url, native.GetProperty("target").GetString());
        Assert.Equal(head, native.GetProperty("commit").GetString());
        Assert.True(native.GetProperty("gate").GetProperty("new_only").GetBoolean());
        Assert.Equal(baseSha, native.GetProperty("gate").GetProperty("base_commit").GetString());
        var scan = await WaitForEndAsync(http, scanId);
        Assert.Equal("INCREMENTAL", scan.GetProperty("scanType").GetString());
        Assert.Equal(baseSha, scan.GetProperty("baseSha").GetString());
        Assert.Equal(1, scan.GetProperty("highCount").GetInt32());

        // GitLab: the secret itself in X-Gitlab-Token.
        var gitlabPush = JsonSerializer.Serialize(new { @ref = "refs/heads/main", before = baseSha, after = head, checkout_sha = head, project = new { git_http_url = git.Url } });
        foreach (var (token, expected) in new[] { ("wrong-token-wrong-token", HttpStatusCode.Unauthorized), (secret, HttpStatusCode.Unauthorized),
            (PepperWebhookProcess.GitLabSecret, HttpStatusCode.Accepted) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{Api}/webhooks/gitlab")
            {
                Content = new StringContent(gitlabPush, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Gitlab-Event", "Push Hook");
            request.Headers.Add("X-Gitlab-Token", token);
            using var response = await anonymous.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
        }
        // The trigger is audited in the webhook's name.
        var (_, audit) = await Send(http, HttpMethod.Get, $"{Api}/audit-log?action=scan.queued&limit=50");
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e => e.GetProperty("user").GetProperty("id").GetString() == "webhook:gitlab"
            && e.GetProperty("action").GetString() == "scan.queued");
    }

    private static HttpRequestMessage GitHubPush(string path, string body, string? secret, string @event = "push")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", @event);
        if (secret is not null)
            request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))));
        return request;
    }

}
