/* ScanGate rule pack: crypto-currency miners. */

rule scangate_cryptominer_pool
{
    meta:
        description = "Crypto-currency miner: a mining pool address or a miner's configuration"
        severity = "high"
        category = "malware"
        version = "1"
    strings:
        $stratum = /stratum\+(tcp|ssl|tls):\/\/[A-Za-z0-9.\-]+:[0-9]{2,5}/ nocase
        $xmrig_cfg = /"donate-level"\s*:\s*[0-9]/
        $xmrig_bin = "xmrig" nocase fullword
        $algo = /"algo"\s*:\s*"(cryptonight|rx\/0|randomx|kawpow|ethash)/ nocase
        $pools = /(minexmr|supportxmr|nanopool|moneroocean|2miners|f2pool|hashvault)\.(com|org|net|pro)/ nocase
    condition:
        $stratum or $xmrig_cfg or $algo or ($xmrig_bin and $pools) or (#pools > 0 and #stratum > 0)
}

rule scangate_browser_cryptojacking
{
    meta:
        description = "In-browser crypto-currency miner (cryptojacking script)"
        severity = "high"
        category = "malware"
        version = "1"
    strings:
        $coinhive1 = "coinhive.min.js" nocase
        $coinhive2 = /CoinHive\.(Anonymous|User|Token)\s*\(/
        $cryptoloot = "CRLT.Anonymous" 
        $jsecoin = "jsecoin.com" nocase
        $webminer = /new\s+(Client\.Anonymous|WMP\.Anonymous|Miner\.Anonymous)\s*\(/
    condition:
        any of them
}
