using System.CommandLine;
using System.Text.Json;
using ScanGate.Cli.Api;
using Spectre.Console;

namespace ScanGate.Cli.Commands;

/// <summary>login, keys and projects.</summary>
internal static class AdminCommands
{
    public static void Add(RootCommand root, Cli cli)
    {
        root.Subcommands.Add(Login(cli));
        root.Subcommands.Add(Keys(cli));
        root.Subcommands.Add(Projects(cli));
    }

    private static Command Login(Cli cli)
    {
        var stdin = new Option<bool>("--api-key-stdin") { Description = "Read the key from stdin (for scripts) instead of prompting" };
        var command = new Command("login", "Check a URL and key against ScanGate and keep them in the profile file (mode 0600)") { stdin };
        command.SetAction(async (parse, ct) =>
        {
            var url = parse.GetValue(cli.Url) ?? cli.Context.Environment("SCANGATE_URL")
                ?? throw new CliException(ExitCodes.Usage, "login needs the server: --url or SCANGATE_URL");
            // Never from a flag: the key would sit in the shell's history and the process list.
            string? key;
            if (parse.GetValue(stdin)) key = (await cli.Context.In.ReadLineAsync(ct))?.Trim();
            else if (cli.Context.ReadSecret is { } read) key = read("ScanGate API key:");
            else throw new CliException(ExitCodes.Usage, "no terminal to ask for the key on; pipe it in with --api-key-stdin");
            if (string.IsNullOrEmpty(key)) throw new CliException(ExitCodes.Usage, "no API key given");
            var baseUri = CliConfig.ParseUrl(url);
            using (var client = new ScanGateClient(baseUri, key, parse.GetValue(cli.Retries)))
                await client.ListScansProbeAsync(ct);
            var path = CliConfig.WriteProfile(cli.Context, new CliProfile(baseUri.ToString(), key));
            await cli.Context.Out.WriteLineAsync(parse.GetValue(cli.Json)
                ? $"{{\"url\":{JsonSerializer.Serialize(baseUri.ToString(), CliJson.Default.String)},\"profile\":{JsonSerializer.Serialize(path, CliJson.Default.String)}}}"
                : $"Logged in to {baseUri}; profile {path}");
            return ExitCodes.GatePassed;
        });
        return command;
    }

    private static Command Keys(Cli cli)
    {
        var keys = new Command("keys", "API keys of your organisation");

        var name = new Argument<string>("name") { Description = "A name that says where the key is used" };
        var preset = new Option<string?>("--preset") { Description = "ci-basic, ci-full or admin" }.AcceptOnlyFromAmong("ci-basic", "ci-full", "admin");
        var scopes = new Option<string[]>("--scope") { Description = "Scopes instead of a preset (repeatable)", AllowMultipleArgumentsPerToken = true };
        var expires = new Option<int?>("--expires-in-days") { Description = "Days until it expires (default 90, at most 365)" };
        var environment = new Option<string?>("--environment") { Description = "Environment label, e.g. production" };
        var rate = new Option<int?>("--rate-limit") { Description = "Calls a minute" };
        var create = new Command("create", "Create a key; its secret is shown this once") { name, preset, scopes, expires, environment, rate };
        create.Validators.Add(r =>
        {
            if ((r.GetResult(preset) is null) == (r.GetResult(scopes) is null)) r.AddError("give either --preset or --scope");
        });
        create.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var body = new Dictionary<string, object?> { ["name"] = parse.GetValue(name) };
            if (parse.GetValue(preset) is { } p) body["preset"] = p;
            if (parse.GetValue(scopes) is { Length: > 0 } s) body["scopes"] = s;
            if (parse.GetValue(expires) is { } e) body["expires_in_days"] = e;
            if (parse.GetValue(environment) is { } env) body["environment"] = env;
            if (parse.GetValue(rate) is { } rl) body["rate_limit_per_minute"] = rl;
            var (key, json) = await client.CreateKeyAsync(body, ct);
            if (parse.GetValue(cli.Json)) await cli.Context.Out.WriteLineAsync(json);
            else
            {
                await cli.Context.Error.WriteLineAsync($"Key {key.Id} ({key.Name}, {string.Join(" ", key.Scopes)}, expires {key.ExpiresAt:yyyy-MM-dd}); the secret follows, shown this once:");
                await cli.Context.Out.WriteLineAsync(key.Key);
            }
            return ExitCodes.GatePassed;
        });

        var list = new Command("list", "List keys (never their secrets)");
        list.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var (all, json) = await client.ListKeysAsync(ct);
            if (parse.GetValue(cli.Json)) { await cli.Context.Out.WriteLineAsync(json); return ExitCodes.GatePassed; }
            var table = new Table().AddColumns("id", "name", "prefix", "scopes", "expires", "state", "last used");
            foreach (var k in all.Items)
                table.AddRow(Markup.Escape(k.Id), Markup.Escape(k.Name), Markup.Escape(k.Prefix), Markup.Escape(string.Join(" ", k.Scopes)),
                    k.ExpiresAt.ToString("yyyy-MM-dd"), k.RevokedAt is null ? "active" : "revoked", k.LastUsedAt?.ToString("yyyy-MM-dd HH:mm") ?? "");
            cli.Context.Console.Write(table);
            return ExitCodes.GatePassed;
        });

        var keyId = new Argument<string>("key-id") { Description = "The key's id" };
        var revoke = new Command("revoke", "Revoke a key at once") { keyId };
        revoke.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            await client.RevokeKeyAsync(parse.GetValue(keyId)!, ct);
            await cli.Context.Out.WriteLineAsync(parse.GetValue(cli.Json) ? $"{{\"revoked\":{JsonSerializer.Serialize(parse.GetValue(keyId)!, CliJson.Default.String)}}}" : $"Revoked {parse.GetValue(keyId)}");
            return ExitCodes.GatePassed;
        });

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(list);
        keys.Subcommands.Add(revoke);
        return keys;
    }

    private static Command Projects(Cli cli)
    {
        var projects = new Command("projects", "Projects of your organisation");

        var list = new Command("list", "List projects");
        list.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var (all, json) = await client.ListProjectsAsync(ct);
            if (parse.GetValue(cli.Json)) { await cli.Context.Out.WriteLineAsync(json); return ExitCodes.GatePassed; }
            var table = new Table().AddColumns("key", "name", "default branch", "fail on", "repository");
            foreach (var p in all.Items)
                table.AddRow(Markup.Escape(p.Key), Markup.Escape(p.Name), Markup.Escape(p.DefaultBranch), Markup.Escape(p.FailOnSeverity), Markup.Escape(p.RepositoryUrl ?? ""));
            cli.Context.Console.Write(table);
            return ExitCodes.GatePassed;
        });

        var key = new Argument<string>("key") { Description = "The project's key" };
        var show = new Command("show", "Show a project") { key };
        show.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var (p, json) = await client.GetProjectAsync(parse.GetValue(key)!, ct);
            await cli.Context.Out.WriteLineAsync(parse.GetValue(cli.Json) ? json
                : $"{p.Key}: {p.Name}; default branch {p.DefaultBranch}; fail on {p.FailOnSeverity}{(p.RepositoryUrl is { } r ? $"; {r}" : "")}; recent scans: {string.Join(", ", p.RecentScans ?? [])}");
            return ExitCodes.GatePassed;
        });

        var newKey = new Argument<string>("key") { Description = "The project's key" };
        var projectName = new Option<string?>("--name") { Description = "Display name (default: the key)" };
        var repository = new Option<string?>("--repository-url") { Description = "Its Git repository" };
        var defaultBranch = new Option<string?>("--default-branch") { Description = "Its default branch" };
        var failOn = Options.FailOn();
        var create = new Command("create", "Create a project") { newKey, projectName, repository, defaultBranch, failOn };
        create.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var body = new Dictionary<string, object?> { ["key"] = parse.GetValue(newKey), ["name"] = parse.GetValue(projectName) ?? parse.GetValue(newKey) };
            if (parse.GetValue(repository) is { } r) body["repository_url"] = r;
            if (parse.GetValue(defaultBranch) is { } b) body["default_branch"] = b;
            if (parse.GetValue(failOn) is { } f) body["fail_on_severity"] = f;
            var (p, json) = await client.CreateProjectAsync(body, ct);
            await cli.Context.Out.WriteLineAsync(parse.GetValue(cli.Json) ? json : $"Created project {p.Key}");
            return ExitCodes.GatePassed;
        });

        projects.Subcommands.Add(list);
        projects.Subcommands.Add(show);
        projects.Subcommands.Add(create);
        return projects;
    }
}
