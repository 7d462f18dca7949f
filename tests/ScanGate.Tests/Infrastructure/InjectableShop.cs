using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ScanGate.Tests.Infrastructure;

/// <summary>
/// A small shop on 127.0.0.1 over an in-memory SQLite database, with one SQL injection planted on purpose:
/// <c>/product?id=</c> pastes the parameter into its SQL, <c>/safe?id=</c> binds it, and <c>/</c> links to both
/// (started without the injection, it has no <c>/product</c> and links to the safe one only). <c>/openapi.json</c>
/// describes both operations. It also leaves
/// <c>/.git/HEAD</c> and <c>/backup.zip</c> in its root, for content discovery. Every page announces
/// WordPress 4.7.1 (a generator tag) and <c>X-Powered-By: PHP/7.4.3</c>, for fingerprinting. SQLite's length limit is
/// set low so that sqlmap's heavy time-based payloads (a random blob of hundreds of megabytes) fail at once instead of
/// filling this test process's memory.
/// </summary>
public sealed class InjectableShop : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SqliteConnection _db;
    public int Port { get; }
    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    private InjectableShop(WebApplication app, SqliteConnection db, int port) { _app = app; _db = db; Port = port; }

    public static async Task<InjectableShop> StartAsync(bool plantInjection = true)
    {
        var db = new SqliteConnection("Data Source=:memory:");
        db.Open();
        SQLitePCL.raw.sqlite3_limit(db.Handle, SQLitePCL.raw.SQLITE_LIMIT_LENGTH, 100_000);
        using (var setup = db.CreateCommand())
        {
            setup.CommandText = "create table products(id integer primary key, name text, price real);"
                + "insert into products values (1, 'apple', 1.5), (2, 'pear', 2.0), (3, 'plum', 0.5);";
            setup.ExecuteNonQuery();
        }
        var gate = new SemaphoreSlim(1); // one connection, one query at a time
        var port = Net.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Use(async (http, next) =>
        {
            http.Response.Headers["X-Powered-By"] = "PHP/7.4.3";
            await next(http);
        });
        app.MapGet("/", () => Page((plantInjection ? "<a href=\"/product?id=1\">apple</a> " : "") + "<a href=\"/safe?id=2\">pear</a>"));
        if (plantInjection)
            app.MapGet("/product", async (HttpContext http) =>
            {
                using var command = db.CreateCommand();
                command.CommandText = "select name, price from products where id = " + http.Request.Query["id"]; // the planted injection
                return await RowsAsync(command, gate);
            });
        app.MapGet("/safe", async (HttpContext http) =>
        {
            using var command = db.CreateCommand();
            command.CommandText = "select name, price from products where id = $id";
            command.Parameters.AddWithValue("$id", http.Request.Query["id"].ToString());
            return await RowsAsync(command, gate);
        });
        app.MapGet("/.git/HEAD", () => "ref: refs/heads/main\n");
        app.MapGet("/backup.zip", () => Results.Bytes([0x50, 0x4B, 0x05, 0x06, .. new byte[18]], "application/zip")); // an empty zip
        app.MapGet("/openapi.json", () => Results.Text("""
            {"openapi":"3.0.3","info":{"title":"shop","version":"1"},"paths":{
              "/product":{"get":{"parameters":[{"name":"id","in":"query","schema":{"type":"integer"}}],"responses":{"200":{"description":"a product"}}}},
              "/safe":{"get":{"parameters":[{"name":"id","in":"query","schema":{"type":"integer"}}],"responses":{"200":{"description":"a product"}}}}}}
            """, "application/json"));
        await app.StartAsync();
        return new InjectableShop(app, db, port);
    }

    private static IResult Page(string body) => Results.Content(
        $"<html><head><title>Shop</title><meta name=\"generator\" content=\"WordPress 4.7.1\"></head><body>{body}</body></html>", "text/html");

    private static async Task<IResult> RowsAsync(SqliteCommand command, SemaphoreSlim gate)
    {
        await gate.WaitAsync();
        try
        {
            var html = new System.Text.StringBuilder("<html><body>");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) html.Append($"<p>{WebUtility.HtmlEncode(reader.GetValue(0).ToString())}: {reader.GetValue(1)}</p>");
            return Results.Content(html.Append("</body></html>").ToString(), "text/html");
        }
        catch (SqliteException)
        {
            return Results.Content("<html><body>error</body></html>", "text/html", statusCode: 500);
        }
        finally { gate.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _db.Dispose();
    }
}
