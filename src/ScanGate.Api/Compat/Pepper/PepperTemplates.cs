using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>
/// <c>GET /api/cicd-templates/github|gitlab|jenkins</c>: a pipeline for that CI system that runs this surface's
/// documented flow with curl and jq (start a scan of the commit, poll it to a terminal status, pass or fail the job on
/// <c>gateResult</c>), with this deployment's base URL filled in. The key is the CI system's secret PEPPER_API_KEY.
/// </summary>
public static class PepperTemplates
{
    public static RouteGroupBuilder MapPepperTemplates(this RouteGroupBuilder api)
    {
        api.MapGet("/cicd-templates/{system}", Template).RequireScope(Scopes.ScansRead);
        return api;
    }

    private static IResult Template(string system, HttpContext http)
    {
        var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{PepperEndpoints.BasePath}";
        return system switch
        {
            "github" => TypedResults.Text(GitHub(baseUrl), "text/yaml; charset=utf-8"),
            "gitlab" => TypedResults.Text(GitLab(baseUrl), "text/yaml; charset=utf-8"),
            "jenkins" => TypedResults.Text(Jenkins(baseUrl), "text/plain; charset=utf-8"),
            _ => PepperEndpoints.NotFound($"there is no template for '{system}'; templates: github, gitlab, jenkins"),
        };
    }

    /// <summary>The job's shell steps; REPO_URL, BRANCH and COMMIT_SHA come from the CI system's own variables.</summary>
    private static readonly string[] Script =
    [
        "set -euo pipefail",
        "body=$(jq -n --arg repo \"$REPO_URL\" --arg type \"$SCAN_TYPE\" --arg branch \"$BRANCH\" --arg sha \"$COMMIT_SHA\" '{repoUrl: $repo, scanType: $type, branch: $branch, commitSha: $sha}')",
        "scan=$(curl -sS --fail-with-body -X POST \"$PEPPER_URL/api/scans\" -H \"Authorization: Bearer $PEPPER_API_KEY\" -H 'Content-Type: application/json' -d \"$body\")",
        "scan_id=$(jq -er '.scanId' <<<\"$scan\")",
        "echo \"ScanGate scan $scan_id queued\"",
        "while true; do",
        "  result=$(curl -sS --fail-with-body \"$PEPPER_URL/api/scans/$scan_id\" -H \"Authorization: Bearer $PEPPER_API_KEY\")",
        "  status=$(jq -r '.status' <<<\"$result\")",
        "  case \"$status\" in COMPLETED|FAILED|STOPPED|CANCELLED) break ;; esac",
        "  sleep 5",
        "done",
        "echo \"status: $status, gate: $(jq -r '.gateResult' <<<\"$result\"), critical: $(jq -r '.criticalCount' <<<\"$result\"), high: $(jq -r '.highCount' <<<\"$result\")\"",
        "if [ \"$(jq -r '.gateResult' <<<\"$result\")\" != PASSED ]; then jq -r '.reasons[]' <<<\"$result\"; exit 1; fi",
    ];

    private static string Indented(int spaces) => string.Join('\n', Script.Select(l => new string(' ', spaces) + l));

    private static string GitHub(string baseUrl) => $$$"""
        # ScanGate security gate for GitHub Actions: .github/workflows/scangate.yml
        # Store a ScanGate API key (scans:trigger and scans:read) as the repository secret PEPPER_API_KEY.
        name: ScanGate security scan
        on:
          push:
          pull_request:
        jobs:
          security-scan:
            runs-on: ubuntu-latest
            env:
              PEPPER_URL: {{{baseUrl}}}
              PEPPER_API_KEY: ${{ secrets.PEPPER_API_KEY }}
              SCAN_TYPE: SECRETS_ONLY
              REPO_URL: ${{ github.server_url }}/${{ github.repository }}.git
              BRANCH: ${{ github.head_ref || github.ref_name }}
              COMMIT_SHA: ${{ github.event.pull_request.head.sha || github.sha }}
            steps:
              - name: Scan and gate
                shell: bash
                run: |
        {{{Indented(10)}}}

        """;

    private static string GitLab(string baseUrl) => $$$"""
        # ScanGate security gate for GitLab CI: add to .gitlab-ci.yml.
        # Store a ScanGate API key (scans:trigger and scans:read) as the masked CI/CD variable PEPPER_API_KEY.
        security-scan:
          image: debian:stable-slim
          variables:
            PEPPER_URL: "{{{baseUrl}}}"
            SCAN_TYPE: SECRETS_ONLY
          before_script:
            - apt-get update -qq && apt-get install -y -qq curl jq ca-certificates > /dev/null
          script:
            - export REPO_URL="$CI_PROJECT_URL.git" BRANCH="$CI_COMMIT_REF_NAME" COMMIT_SHA="$CI_COMMIT_SHA"
            - |
        {{{Indented(6)}}}

        """;

    private static string Jenkins(string baseUrl) => $$$"""
        // ScanGate security gate for Jenkins: a declarative Jenkinsfile.
        // Store a ScanGate API key (scans:trigger and scans:read) as the secret-text credential 'pepper-api-key'.
        pipeline {
          agent any
          environment {
            PEPPER_URL = '{{{baseUrl}}}'
            PEPPER_API_KEY = credentials('pepper-api-key')
            SCAN_TYPE = 'SECRETS_ONLY'
          }
          stages {
            stage('Security scan') {
              steps {
                sh '''#!/bin/bash
        export REPO_URL="$GIT_URL" BRANCH="${BRANCH_NAME:-${GIT_BRANCH#origin/}}" COMMIT_SHA="$GIT_COMMIT"
        {{{Indented(0)}}}
        '''
              }
            }
          }
        }

        """;
}
