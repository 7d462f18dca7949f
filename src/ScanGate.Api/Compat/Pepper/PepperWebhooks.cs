using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using ScanGate.Api.Auth;
using ScanGate.Scanners;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>
/// Inbound webhooks of Git hosts, as the platform documents them: <c>POST /api/webhooks/github</c> (a push or pull
/// request, signed with X-Hub-Signature-256, the HMAC-SHA256 of the raw body under GITHUB_WEBHOOK_SECRET) and
/// <c>POST /api/webhooks/gitlab</c> (a push or merge request, X-Gitlab-Token equal to GITLAB_WEBHOOK_SECRET): one
/// secret per deployment, from the environment, and no query parameters. Each queues an INCREMENTAL scan of the head
/// commit against the event's base commit in the webhook organisation (<see cref="OrgSetting"/>, or the deployment's
/// only organisation), for the project whose repository_url is the event's repository (else a project made from the
/// repository, as POST /api/scans does), in the name of the webhook (actor <c>webhook:github</c> or <c>webhook:gitlab</c>).
/// No API key: the signature is the authentication. A missing or wrong signature, or no secret configured: 401.
/// </summary>
public static class PepperWebhooks
{
    public const string GitHubSecretSetting = "GITHUB_WEBHOOK_SECRET";
    public const string GitLabSecretSetting = "GITLAB_WEBHOOK_SECRET";
    /// <summary>The organisation webhook scans belong to; needed only when the deployment has several.</summary>
    public const string OrgSetting = "ScanGate:Compat:Pepper:WebhookOrg";

    private static readonly string[] PullRequestActions = ["opened", "synchronize", "reopened", "ready_for_review"];
    private static readonly string[] MergeRequestActions = ["open", "reopen", "update"];

    public static RouteGroupBuilder MapPepperWebhooks(this RouteGroupBuilder api)
    {
        api.MapPost("/webhooks/github", (HttpContext http, PepperScanServices services, IConfiguration config, ProjectService projects) =>
            Receive(http, services, config, projects, "github")).AllowAnonymous();
        api.MapPost("/webhooks/gitlab", (HttpContext http, PepperScanServices services, IConfiguration config, ProjectService projects) =>
            Receive(http, services, config, projects, "gitlab")).AllowAnonymous();
        return api;
    }

    private sealed record Push(string Event, string HeadSha, string? BaseSha, string Branch, string? RepositoryUrl);

    private static IResult Unauthorized(string detail) => CompatSurface.Error(StatusCodes.Status401Unauthorized, "Invalid signature", detail);

    /// <summary>The webhook organisation: the configured one, else the deployment's only organisation (the platform's own aside).</summary>
    private static async Task<string?> OrgAsync(IConfiguration config, IGrainFactory grains)
    {
        if (config[OrgSetting] is { Length: > 0 } configured) return configured;
        var orgs = (await grains.GetGrain<IPlatformGrain>(0).Orgs()).Where(o => o != Bootstrap.PlatformOrgId).ToList();
        return orgs.Count == 1 ? orgs[0] : null;
    }

    private static async Task<IResult> Receive(HttpContext http, PepperScanServices services, IConfiguration config, ProjectService projects, string host)
    {
        var settingName = host == "github" ? GitHubSecretSetting : GitLabSecretSetting;
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            try { await http.Request.Body.CopyToAsync(buffer, http.RequestAborted); }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return CompatSurface.Error(StatusCodes.Status413PayloadTooLarge, "Request body too large", "the webhook payload is larger than this server accepts");
            }
            body = buffer.ToArray();
        }
        if (config[settingName] is not { Length: > 0 } secret)
            return Unauthorized($"this deployment has no {settingName}: set it in the environment of every API node");
        if (!(host == "github" ? GitHubSignatureValid(http.Request, body, secret) : GitLabTokenValid(http.Request, secret)))
            return Unauthorized(host == "github"
                ? $"X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body under {settingName}"
                : $"X-Gitlab-Token is missing or is not {settingName}");
        if (await OrgAsync(config, services.Grains) is not { } orgId)
            return CompatSurface.Error(StatusCodes.Status503ServiceUnavailable, "Webhook organisation not configured",
                $"this deployment has several organisations: name the one webhook scans belong to in {OrgSetting}");

        Push? push;
        string? ignored;
        try
        {
            using var payload = JsonDocument.Parse(body);
            (push, ignored) = host == "github"
                ? ReadGitHub(http.Request.Headers["X-GitHub-Event"].ToString(), payload.RootElement)
                : ReadGitLab(http.Request.Headers["X-Gitlab-Event"].ToString(), payload.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return PepperEndpoints.BadRequest("body", $"the webhook payload is not the JSON {host} sends: {ex.Message}");
        }
        if (push is null) return PepperEndpoints.Ok(new { queued = false, reason = ignored });

        ApiKeyAuthenticationHandler.ActAs(http, new Caller
        {
            KeyId = "webhook:" + host, OrgId = orgId, MemberId = "webhook:" + host, Role = OrgRole.Developer, Scopes = [Scopes.ScansTrigger],
        });
        if (push.RepositoryUrl is null || !Targets.TryNormalize(TargetKind.GitRepository, push.RepositoryUrl, out var repository, out _))
            return PepperEndpoints.BadRequest("body", $"the {host} event names no repository URL to scan");
        var project = (await projects.ListAsync(http.Actor())).FirstOrDefault(p => p.RepositoryUrl == repository);
        var input = new JsonObject
        {
            ["scanType"] = "INCREMENTAL", ["branch"] = push.Branch, ["commitSha"] = push.HeadSha, ["repoUrl"] = repository,
        };
        if (project is not null) input["projectId"] = project.Key;
        if (push.BaseSha is not null) input["baseSha"] = push.BaseSha;
        var (scanId, started) = await PepperScans.StartScanAsync(http, input, services, null, "source");
        if (scanId is null) return started;
        return PepperEndpoints.Ok(new
        {
            queued = true, scanId, projectId = project?.Key ?? (await services.Queries.GetAsync(http.Caller(), scanId))?.Request.ProjectKey, status = "QUEUED", scanType = "INCREMENTAL", @event = push.Event,
            branch = push.Branch, commitSha = push.HeadSha, baseSha = push.BaseSha,
        }, StatusCodes.Status202Accepted);
    }

    private static bool GitHubSignatureValid(HttpRequest request, byte[] body, string secret)
    {
        var header = request.Headers["X-Hub-Signature-256"].ToString();
        if (!header.StartsWith("sha256=", StringComparison.Ordinal)) return false;
        byte[] given;
        try { given = Convert.FromHexString(header["sha256=".Length..]); }
        catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body), given);
    }

    private static bool GitLabTokenValid(HttpRequest request, string secret) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(request.Headers["X-Gitlab-Token"].ToString())),
            SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string? Str(JsonElement e, params string[] path)
    {
        foreach (var p in path)
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }

    /// <summary>A commit id that names a commit (Git hosts send zeros for "none": a new or deleted branch).</summary>
    private static string? Commit(string? sha) => sha is null || sha.All(c => c == '0') ? null : sha;

    private static (Push?, string?) ReadGitHub(string @event, JsonElement p)
    {
        switch (@event)
        {
            case "push":
                var reference = Str(p, "ref") ?? "";
                if (!reference.StartsWith("refs/heads/", StringComparison.Ordinal)) return (null, $"a push to {reference} is not a branch");
                if (Commit(Str(p, "after")) is not { } after) return (null, "the branch was deleted");
                return (new Push(@event, after, Commit(Str(p, "before")), reference["refs/heads/".Length..], Str(p, "repository", "clone_url")), null);
            case "pull_request":
                var action = Str(p, "action");
                if (!PullRequestActions.Contains(action)) return (null, $"pull_request action '{action}' is not scanned");
                if (Commit(Str(p, "pull_request", "head", "sha")) is not { } head) return (null, "the pull request names no head commit");
                return (new Push(@event, head, Commit(Str(p, "pull_request", "base", "sha")), Str(p, "pull_request", "head", "ref") ?? "",
                    Str(p, "pull_request", "head", "repo", "clone_url")), null);
            case "ping":
                return (null, "pong");
            default:
                return (null, $"event '{@event}' is not scanned; push and pull_request are");
        }
    }

    private static (Push?, string?) ReadGitLab(string @event, JsonElement p)
    {
        switch (@event)
        {
            case "Push Hook":
                var reference = Str(p, "ref") ?? "";
                if (!reference.StartsWith("refs/heads/", StringComparison.Ordinal)) return (null, $"a push to {reference} is not a branch");
                if (Commit(Str(p, "checkout_sha") ?? Str(p, "after")) is not { } after) return (null, "the branch was deleted");
                return (new Push(@event, after, Commit(Str(p, "before")), reference["refs/heads/".Length..], Str(p, "project", "git_http_url")), null);
            case "Merge Request Hook":
                var action = Str(p, "object_attributes", "action");
                if (!MergeRequestActions.Contains(action)) return (null, $"merge request action '{action}' is not scanned");
                if (Commit(Str(p, "object_attributes", "last_commit", "id")) is not { } head) return (null, "the merge request names no head commit");
                return (new Push(@event, head, Commit(Str(p, "object_attributes", "diff_refs", "base_sha")), Str(p, "object_attributes", "source_branch") ?? "",
                    Str(p, "object_attributes", "source", "git_http_url")), null);
            default:
                return (null, $"event '{@event}' is not scanned; Push Hook and Merge Request Hook are");
        }
    }
}
