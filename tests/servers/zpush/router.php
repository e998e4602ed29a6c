<?php
// Router for PHP's built-in web server running Z-Push as a Kontor test server (copied next to
// Z-Push's index.php by tests/servers/start). Apache's Z-Push configuration aliases
// /Microsoft-Server-ActiveSync to index.php; this does the same and answers 404 to everything
// else, so no other file of the source tree (config, state, tools) is served.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (is_string($path) && strcasecmp(rtrim($path, '/'), '/Microsoft-Server-ActiveSync') === 0) {
    $_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
    $_SERVER['SCRIPT_NAME'] = $_SERVER['PHP_SELF'] = '/Microsoft-Server-ActiveSync';
    chdir(__DIR__);
    require __DIR__ . '/index.php';
    return true;
}
http_response_code(404);
header('Content-Type: text/plain');
echo "Not found. Z-Push answers at /Microsoft-Server-ActiveSync\n";
return true;
