// ScanGate for Jenkins: a shared-library step (put this repository's integrations/jenkins folder in a shared
// library, or copy vars/scangateScan.groovy into yours).
//
//   scangateScan target: 'https://staging.example.com/', failOn: 'high'
//   def result = scangateScan target: '10.0.0.5:22,443', scanType: 'network_discovery', failOn: 'none', failBuild: false
//
// Needs the scangate .NET tool on the agent (dotnet tool install --global ScanGate.Cli) and a secret-text
// credential with a ScanGate API key (default id 'scangate-api-key'). Values reach the shell as environment
// variables, never spliced into its text. Returns [exitCode, scanId, status, gatePassed, counts].
def call(Map args = [:]) {
    String target = args.target ?: error('scangateScan: target is required')
    String scanType = args.scanType ?: 'lightweight_comprehensive'
    String failOn = args.failOn ?: 'high'
    String timeout = args.timeout ?: '30m'
    String url = args.url ?: env.SCANGATE_URL ?: error('scangateScan: url (or the SCANGATE_URL environment variable) is required')
    String credentialsId = args.credentialsId ?: 'scangate-api-key'
    boolean failBuild = args.containsKey('failBuild') ? args.failBuild as boolean : true

    int code
    withCredentials([string(credentialsId: credentialsId, variable: 'SCANGATE_API_KEY')]) {
        withEnv(["SCANGATE_URL=${url}", "SCANGATE_SCAN_TYPE=${scanType}", "SCANGATE_TARGET=${target}",
                 "SCANGATE_FAIL_ON=${failOn}", "SCANGATE_TIMEOUT=${timeout}"]) {
            code = sh(returnStatus: true, label: 'ScanGate scan', script: '''
                scangate scan "$SCANGATE_SCAN_TYPE" "$SCANGATE_TARGET" \
                  --fail-on "$SCANGATE_FAIL_ON" --timeout "$SCANGATE_TIMEOUT" \
                  --branch "${BRANCH_NAME:-}" --commit "${GIT_COMMIT:-}" --cancel-on-interrupt \
                  --json --junit scangate-junit.xml --sarif scangate.sarif > scangate-result.json
            ''')
        }
    }
    junit allowEmptyResults: true, testResults: 'scangate-junit.xml'
    archiveArtifacts allowEmptyArchive: true, artifacts: 'scangate-result.json,scangate-junit.xml,scangate.sarif'

    def outcome = fileExists('scangate-result.json') && readFile('scangate-result.json').trim()
        ? readJSON(file: 'scangate-result.json') : [:]
    def result = [exitCode: code, scanId: outcome.scan_id, status: outcome.status, gatePassed: outcome.gate_passed, counts: outcome.counts]
    String why = [
        1: 'the security gate failed', 2: 'the scan failed, was stopped or cancelled, or timed out',
        3: 'usage or configuration error', 4: 'the ScanGate API key was refused', 5: 'ScanGate is unreachable',
    ][code] ?: (code == 0 ? null : "scangate exited ${code}")
    if (why != null) {
        echo "ScanGate: ${why}${outcome.scan_id ? " (scan ${outcome.scan_id})" : ''}"
        if (code == 1 && !failBuild) {
            unstable('ScanGate: the security gate failed')
        } else {
            error("ScanGate: ${why}")
        }
    }
    return result
}
