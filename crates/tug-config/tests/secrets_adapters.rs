//! Every vault adapter against scripted CLI replies: argv, login checks, parsing and errors,
//! ported from Kamal's adapter tests.

use std::collections::HashMap;

use tug_config::secrets::{ScriptedRunner, SecretsError, extract, fetch_with_env, to_inline_json, to_json};

fn run(
    runner: &ScriptedRunner,
    adapter: &str,
    account: Option<&str>,
    from: Option<&str>,
    names: &[&str],
) -> Result<Vec<(String, String)>, SecretsError> {
    run_env(runner, adapter, account, from, names, &[])
}

fn run_env(
    runner: &ScriptedRunner,
    adapter: &str,
    account: Option<&str>,
    from: Option<&str>,
    names: &[&str],
    env: &[(&str, &str)],
) -> Result<Vec<(String, String)>, SecretsError> {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let results = fetch_with_env(adapter, account, from, &names, runner, &env)?;
    Ok(results.into_iter().map(|(k, v)| (k, v.into_inner())).collect())
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn message(r: Result<Vec<(String, String)>, SecretsError>) -> String {
    r.unwrap_err().to_string()
}

// ---- test adapter, extract, JSON --------------------------------------------------------

#[test]
fn test_adapter_reverses_names() {
    let r = ScriptedRunner::new();
    let got = run(&r, "test", Some("myaccount"), None, &["foo", "bar", "baz"]).unwrap();
    assert_eq!(got, pairs(&[("foo", "oof"), ("bar", "rab"), ("baz", "zab")]));
    let results = tug_config::secrets::fetch_with_env(
        "test",
        Some("a"),
        None,
        &["foo".into(), "bar".into(), "baz".into()],
        &r,
        &HashMap::<String, String>::new(),
    )
    .unwrap();
    assert_eq!(to_json(&results).expose(), r#"{"foo":"oof","bar":"rab","baz":"zab"}"#);
    assert_eq!(to_inline_json(&results).expose(), r#"\{\"foo\":\"oof\",\"bar\":\"rab\",\"baz\":\"zab\"\}"#);
    assert!(r.calls().is_empty());
}

#[test]
fn missing_account_and_unknown_adapter() {
    let r = ScriptedRunner::new();
    assert_eq!(message(run(&r, "test", None, None, &["foo"])), "No value provided for required options '--account'");
    assert_eq!(
        message(run(&r, "1password", Some("  "), None, &["x"])),
        "No value provided for required options '--account'"
    );
    assert_eq!(message(run(&r, "nope", None, None, &["x"])), "Unknown secrets adapter: nope");
}

#[test]
fn extract_by_name_or_path_suffix() {
    assert_eq!(extract("foo", r#"{"foo":"oof", "bar":"rab", "baz":"zab"}"#).unwrap().expose(), "oof");
    assert_eq!(extract("foo", r#"{"abc/foo":"oof", "bar":"rab", "baz":"zab"}"#).unwrap().expose(), "oof");
    assert_eq!(extract("nope", r#"{"foo":"oof"}"#).unwrap_err().to_string(), "Could not find secret nope");
    assert!(extract("x", "[1]").unwrap_err().to_string().starts_with("the secrets passed to `extract`"));
    assert!(extract("x", "{").is_err());
}

// ---- 1Password ------------------------------------------------------------------------

const OP_FIELDS: &str = r#"[
  {"id":"a","section":{"label":"section"},"label":"SECRET1","value":"VALUE1","reference":"op://myvault/myitem/section/SECRET1"},
  {"id":"b","section":{"label":"section"},"label":"SECRET2","value":"VALUE2","reference":"op://myvault/myitem/section/SECRET2"},
  {"id":"c","section":{"label":"section2"},"label":"SECRET3","value":"VALUE3","reference":"op://myvault/myitem/section2/SECRET3"}
]"#;
const OP_SINGLE: &str =
    r#"{"id":"a","label":"SECRET1","value":"VALUE1","reference":"op://myvault/myitem/section/SECRET1"}"#;

#[test]
fn one_password_fetch() {
    let r = ScriptedRunner::new()
        .ok("op --version", "2.30.0")
        .ok("op account get --account myaccount", "")
        .ok(
            "op item get myitem --vault myvault --format json --account myaccount --fields label=section.SECRET1,label=section.SECRET2,label=section2.SECRET3",
            OP_FIELDS,
        );
    let got = run(
        &r,
        "1password",
        Some("myaccount"),
        Some("op://myvault/myitem"),
        &["section/SECRET1", "section/SECRET2", "section2/SECRET3"],
    );
    assert_eq!(
        got.unwrap(),
        pairs(&[
            ("myvault/myitem/section/SECRET1", "VALUE1"),
            ("myvault/myitem/section/SECRET2", "VALUE2"),
            ("myvault/myitem/section2/SECRET3", "VALUE3"),
        ])
    );
}

#[test]
fn one_password_multiple_items_and_default_password_field() {
    let r = ScriptedRunner::new()
        .ok("op --version", "")
        .ok("op account get --account acc", "")
        .ok("op item get myitem --vault myvault --format json --account acc --fields label=section.SECRET1,label=section.SECRET2", &OP_FIELDS.replace(",\n  {\"id\":\"c\",\"section\":{\"label\":\"section2\"},\"label\":\"SECRET3\",\"value\":\"VALUE3\",\"reference\":\"op://myvault/myitem/section2/SECRET3\"}", ""))
        .ok(
            "op item get myitem2 --vault myvault --format json --account acc --fields label=password",
            r#"{"label":"password","value":"PW","reference":"op://myvault/myitem2/password"}"#,
        );
    let got = run(
        &r,
        "one_password",
        Some("acc"),
        Some("op://myvault"),
        &["myitem/section/SECRET1", "myitem/section/SECRET2", "myitem2"],
    );
    assert_eq!(
        got.unwrap(),
        pairs(&[
            ("myvault/myitem/section/SECRET1", "VALUE1"),
            ("myvault/myitem/section/SECRET2", "VALUE2"),
            ("myvault/myitem2", "PW"),
        ])
    );
}

#[test]
fn one_password_fetch_all_fields() {
    let r = ScriptedRunner::new().ok("op --version", "").ok("op account get --account acc", "").ok(
        "op item get myitem --vault myvault --format json --account acc",
        &format!(r#"{{"title":"t","fields":{OP_FIELDS}}}"#),
    );
    let got = run(&r, "1password", Some("acc"), Some("op://myvault/myitem"), &[]).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], ("myvault/myitem/section/SECRET1".into(), "VALUE1".into()));
}

#[test]
fn one_password_signin_with_and_without_session() {
    for (session, item_cmd) in [
        ("", "op item get myitem --vault myvault --format json --account acc --fields label=section.SECRET1"),
        (
            "1234567890",
            "op item get myitem --vault myvault --format json --account acc --session 1234567890 --fields label=section.SECRET1",
        ),
    ] {
        let r = ScriptedRunner::new()
            .ok("op --version", "")
            .fail("op account get --account acc", "")
            .ok("op signin --account acc --force --raw", session)
            .ok(item_cmd, OP_SINGLE);
        let got = run(&r, "1password", Some("acc"), Some("op://myvault/myitem"), &["section/SECRET1"]);
        assert_eq!(got.unwrap(), pairs(&[("myvault/myitem/section/SECRET1", "VALUE1")]));
    }
    let r = ScriptedRunner::new()
        .ok("op --version", "")
        .fail("op account get --account acc", "")
        .fail("op signin --account acc --force --raw", "");
    assert_eq!(message(run(&r, "1password", Some("acc"), Some("v/i"), &["x"])), "Failed to login to 1Password");
}

#[test]
fn one_password_errors() {
    let r = ScriptedRunner::new().missing("op");
    assert_eq!(
        message(run(&r, "1password", Some("acc"), None, &["v/i"])),
        "`op` (1Password CLI) is not installed or not on PATH"
    );
    let r = ScriptedRunner::new().fail("op --version", "");
    assert_eq!(
        message(run(&r, "1password", Some("acc"), None, &["v/i"])),
        "`op` (1Password CLI) is not installed or not on PATH"
    );
    let r = ScriptedRunner::new()
        .ok("op --version", "")
        .ok("op account get --account acc", "")
        .fail("op item get i --vault v --format json --account acc --fields label=f", "");
    assert_eq!(
        message(run(&r, "1password", Some("acc"), None, &["v/i/f"])),
        "Could not read f from i in the v 1Password vault"
    );
}

// ---- Bitwarden ------------------------------------------------------------------------

const BW_UNLOCKED: &str = r#"{"serverUrl":null,"status":"unlocked"}"#;
const BW_LOCKED: &str = r#"{"serverUrl":null,"status":"locked"}"#;
const BW_MYPASSWORD: &str = r#"{"name":"mypassword","login":{"username":null,"password":"secret123"}}"#;
const BW_MYITEM: &str = r#"{"name":"myitem","fields":[{"name":"field1","value":"secret1"},{"name":"field2","value":"blam"},{"name":"field3","value":"fewgrwjgk"},{"name":"field4","value":"auto"}],"login":{"password":null}}"#;

fn bw() -> ScriptedRunner {
    ScriptedRunner::new().ok("bw --version", "2024.1").ok("bw status", BW_UNLOCKED).ok("bw sync", "")
}

#[test]
fn bitwarden_fetch() {
    let r = bw()
        .ok("bw get item mypassword", BW_MYPASSWORD)
        .ok("bw get item myitem", BW_MYITEM)
        .ok("bw get item myitem2", r#"{"fields":[{"name":"field3","value":"fewgrwjgk"}],"login":{"password":null}}"#);
    let got = run(
        &r,
        "bitwarden",
        Some("email@example.com"),
        None,
        &["mypassword", "myitem/field1", "myitem/field2", "myitem2/field3"],
    );
    assert_eq!(
        got.unwrap(),
        pairs(&[
            ("mypassword", "secret123"),
            ("myitem/field1", "secret1"),
            ("myitem/field2", "blam"),
            ("myitem2/field3", "fewgrwjgk")
        ])
    );
    assert_eq!(r.calls()[..3], ["bw --version", "bw status", "bw sync"]);
}

#[test]
fn bitwarden_from_and_all_fields_and_notes() {
    let r = bw().ok("bw get item myitem", BW_MYITEM);
    let got = run(&r, "bitwarden", Some("e"), Some("myitem"), &["field1", "field2", "field3"]).unwrap();
    assert_eq!(got, pairs(&[("myitem/field1", "secret1"), ("myitem/field2", "blam"), ("myitem/field3", "fewgrwjgk")]));
    let r = bw().ok("bw get item mynotefields", &BW_MYITEM.replace(r#","login":{"password":null}"#, ""));
    assert_eq!(run(&r, "bitwarden", Some("e"), None, &["mynotefields"]).unwrap().len(), 4);
    let r = bw().ok("bw get item mynote", r#"{"type":2,"notes":"NOTES","secureNote":{"type":0}}"#);
    assert_eq!(
        message(run(&r, "bitwarden", Some("e"), None, &["mynote"])),
        "Item mynote is not a login type item and no fields were specified"
    );
    let r = bw().ok("bw get item myitem", BW_MYITEM);
    assert_eq!(
        message(run(&r, "bitwarden", Some("e"), None, &["myitem/nope"])),
        "Could not find field nope in item myitem in Bitwarden"
    );
}

#[test]
fn bitwarden_login_and_unlock() {
    let r = ScriptedRunner::new()
        .ok("bw --version", "")
        .ok("bw status", r#"{"status":"unauthenticated"}"#)
        .ok("bw status", BW_LOCKED)
        .ok("bw login email@example.com", "")
        .ok("bw unlock --raw", "0987654321\n")
        .ok("BW_SESSION=0987654321 bw status", BW_UNLOCKED)
        .ok("BW_SESSION=0987654321 bw sync", "")
        .ok("BW_SESSION=0987654321 bw get item mypassword", BW_MYPASSWORD);
    let got = run(&r, "bitwarden", Some("email@example.com"), None, &["mypassword"]);
    assert_eq!(got.unwrap(), pairs(&[("mypassword", "secret123")]));
    assert_eq!(
        r.calls()[1..],
        [
            "bw status",
            "bw login email@example.com",
            "bw status",
            "bw unlock --raw",
            "BW_SESSION=0987654321 bw status",
            "BW_SESSION=0987654321 bw sync",
            "BW_SESSION=0987654321 bw get item mypassword",
        ]
    );
    let r = ScriptedRunner::new().ok("bw --version", "").ok("bw status", BW_LOCKED).ok("bw unlock --raw", "");
    assert_eq!(message(run(&r, "bitwarden", Some("e"), None, &["x"])), "Failed to login to and unlock Bitwarden");
    let r = ScriptedRunner::new().missing("bw");
    assert_eq!(
        message(run(&r, "bitwarden", Some("e"), None, &["x"])),
        "`bw` (Bitwarden CLI) is not installed or not on PATH"
    );
}

// ---- Bitwarden Secrets Manager --------------------------------------------------------

fn bws() -> ScriptedRunner {
    ScriptedRunner::new().ok("bws --version", "").ok("bws project list", "OK")
}

const BWS_LIST: &str = r#"[{"key":"KAMAL_REGISTRY_PASSWORD","value":"some_password"},{"key":"MY_OTHER_SECRET","value":"my=wierd\"secret"}]"#;

#[test]
fn bitwarden_secrets_manager() {
    let both = pairs(&[("KAMAL_REGISTRY_PASSWORD", "some_password"), ("MY_OTHER_SECRET", "my=wierd\"secret")]);
    assert_eq!(run(&bws().ok("bws secret list", BWS_LIST), "bitwarden-sm", None, None, &["all"]).unwrap(), both);
    let r = bws().ok("bws secret list 82aeb5bd", BWS_LIST);
    assert_eq!(run(&r, "bitwarden-sm", None, Some("82aeb5bd"), &["all"]).unwrap(), both);
    let r = bws()
        .ok("bws secret get id1", r#"{"key":"KAMAL_REGISTRY_PASSWORD","value":"some_password"}"#)
        .ok("bws secret get id2", r#"{"key":"SSH_PRIVATE_KEY","value":"some_key\nwith_linebreak"}"#);
    assert_eq!(
        run(&r, "bitwarden_secrets_manager", None, None, &["id1", "id2"]).unwrap(),
        pairs(&[("KAMAL_REGISTRY_PASSWORD", "some_password"), ("SSH_PRIVATE_KEY", "some_key\nwith_linebreak")])
    );
    assert_eq!(
        message(run(&bws(), "bitwarden-sm", None, None, &[])),
        "You must specify what to retrieve from Bitwarden Secrets Manager"
    );
    assert_eq!(
        message(run(&bws().fail("bws secret list", "Error"), "bitwarden-sm", None, None, &["all"])),
        "Could not read secrets from Bitwarden Secrets Manager"
    );
    assert_eq!(
        message(run(&bws().fail("bws secret get id1", "Error"), "bitwarden-sm", None, None, &["id1"])),
        "Could not read id1 from Bitwarden Secrets Manager"
    );
    let r = ScriptedRunner::new().ok("bws --version", "").fail("bws project list", "");
    assert_eq!(
        message(run(&r, "bitwarden-sm", None, None, &["all"])),
        "Could not authenticate to Bitwarden Secrets Manager. Did you set a valid access token?"
    );
    let r = ScriptedRunner::new().fail("bws --version", "");
    assert_eq!(
        message(run(&r, "bitwarden-sm", None, None, &[])),
        "`bws` (Bitwarden Secrets Manager CLI) is not installed or not on PATH"
    );
}

// ---- LastPass -------------------------------------------------------------------------

const LPASS_ITEMS: &str = r#"[
  {"name":"SECRET1","fullname":"SECRET1","password":"secret1"},
  {"name":"FSECRET1","fullname":"FOLDER1/FSECRET1","password":"fsecret1"},
  {"name":"FSECRET2","fullname":"FOLDER1/FSECRET2","password":"fsecret2"}
]"#;

#[test]
fn last_pass() {
    let r = ScriptedRunner::new()
        .ok("lpass --version", "")
        .ok("lpass status --color never", "Logged in as email@example.com.\n")
        .ok("lpass show SECRET1 FOLDER1/FSECRET1 FOLDER1/FSECRET2 --json", LPASS_ITEMS);
    let got =
        run(&r, "lastpass", Some("email@example.com"), None, &["SECRET1", "FOLDER1/FSECRET1", "FOLDER1/FSECRET2"]);
    assert_eq!(
        got.unwrap(),
        pairs(&[("SECRET1", "secret1"), ("FOLDER1/FSECRET1", "fsecret1"), ("FOLDER1/FSECRET2", "fsecret2")])
    );

    let r = ScriptedRunner::new()
        .ok("lpass --version", "")
        .fail("lpass status --color never", "Not logged in.")
        .ok("lpass login email@example.com", "")
        .ok("lpass show FOLDER1/FSECRET1 --json", LPASS_ITEMS);
    let got = run(&r, "last_pass", Some("email@example.com"), Some("FOLDER1"), &["FSECRET1"]).unwrap();
    assert_eq!(got.len(), 3);

    let r = ScriptedRunner::new()
        .ok("lpass --version", "")
        .ok("lpass status --color never", "Logged in as e.")
        .fail("lpass show A B --json", "");
    assert_eq!(
        message(run(&r, "lastpass", Some("e"), None, &["A", "B"])),
        r#"Could not read ["A", "B"] from LastPass"#
    );
    let r = ScriptedRunner::new()
        .ok("lpass --version", "")
        .ok("lpass status --color never", "Logged in as e.")
        .ok("lpass show A B --json", "[]");
    assert_eq!(message(run(&r, "lastpass", Some("e"), None, &["A", "B"])), "Could not find A, B in LastPass");
    let r =
        ScriptedRunner::new().ok("lpass --version", "").ok("lpass status --color never", "").fail("lpass login e", "");
    assert_eq!(message(run(&r, "lastpass", Some("e"), None, &["A"])), "Failed to login to LastPass");
    assert_eq!(
        message(run(&ScriptedRunner::new().missing("lpass"), "lastpass", Some("e"), None, &["A"])),
        "`lpass` (LastPass CLI) is not installed or not on PATH"
    );
}

// ---- AWS Secrets Manager --------------------------------------------------------------

#[test]
fn aws_secrets_manager() {
    let values = r#"{"SecretValues":[
      {"Name":"secret","SecretString":"{\"KEY1\":\"VALUE1\", \"KEY2\":\"VALUE2\"}"},
      {"Name":"secret2","SecretString":"a-string-secret"},
      {"Name":"port","SecretString":"5432"},
      {"Name":"name","SecretString":"\"quoted-string\""},
      {"Name":"nothing","SecretString":"null"},
      {"Name":"myapp/RailsUser","SecretString":"{\"port\":5432,\"ssl\":true,\"weight\":1.5,\"missing\":null,\"replicas\":{\"read\":\"r.example\",\"port\":5433},\"tags\":[\"prod\",\"db\"]}"}
    ],"Errors":[]}"#;
    let r = ScriptedRunner::new().ok("aws --version", "").ok(
        "aws secretsmanager batch-get-secret-value --secret-id-list secret secret2 --profile default --output json",
        values,
    );
    let got = run(&r, "aws_secrets_manager", Some("default"), None, &["secret", "secret2"]).unwrap();
    assert_eq!(
        got,
        pairs(&[
            ("secret/KEY1", "VALUE1"),
            ("secret/KEY2", "VALUE2"),
            ("secret2", "a-string-secret"),
            ("port", "5432"),
            ("name", "quoted-string"),
            ("nothing", "null"),
            ("myapp/RailsUser/port", "5432"),
            ("myapp/RailsUser/ssl", "true"),
            ("myapp/RailsUser/weight", "1.5"),
            ("myapp/RailsUser/missing", "null"),
            ("myapp/RailsUser/replicas", r#"{"read":"r.example","port":5433}"#),
            ("myapp/RailsUser/tags", r#"["prod","db"]"#),
        ])
    );

    let r = ScriptedRunner::new().ok("aws --version", "").ok(
        "aws secretsmanager batch-get-secret-value --secret-id-list secret/KEY1 --output json",
        r#"{"SecretValues":[{"Name":"secret/KEY1","SecretString":"VALUE1"}],"Errors":[]}"#,
    );
    assert_eq!(
        run(&r, "aws_secrets_manager", None, Some("secret"), &["KEY1"]).unwrap(),
        pairs(&[("secret/KEY1", "VALUE1")])
    );

    let r = ScriptedRunner::new().ok("aws --version", "").ok(
        "aws secretsmanager batch-get-secret-value --secret-id-list unknown1 unknown2 --output json",
        r#"{"SecretValues":[],"Errors":[
          {"SecretId":"unknown1","ErrorCode":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."},
          {"SecretId":"unknown2","ErrorCode":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}]}"#,
    );
    assert_eq!(
        message(run(&r, "aws_secrets_manager", None, None, &["unknown1", "unknown2"])),
        "unknown1: Secrets Manager can't find the specified secret. unknown2: Secrets Manager can't find the specified secret."
    );
    assert_eq!(
        message(run(&ScriptedRunner::new().fail("aws --version", ""), "aws_secrets_manager", None, None, &["S"])),
        "`aws` (AWS CLI) is not installed or not on PATH"
    );
}

// ---- Google Cloud Secret Manager ------------------------------------------------------

fn gcloud() -> ScriptedRunner {
    ScriptedRunner::new()
        .ok("gcloud --version", "")
        .ok("gcloud auth list --format=json", r#"[{"account":"email@example.com","status":"ACTIVE"}]"#)
}

fn payload(data: &str) -> String {
    format!(r#"{{"name":"projects/0/secrets/x/versions/1","payload":{{"data":"{data}","dataCrc32c":"1"}}}}"#)
}

#[test]
fn gcp_secret_manager() {
    let r = gcloud()
        .ok("gcloud secrets versions access latest --secret=mypassword --format=json", &payload("c2VjcmV0MTIz"));
    assert_eq!(
        run(&r, "gcp", Some("default"), None, &["mypassword"]).unwrap(),
        pairs(&[("default/mypassword", "secret123")])
    );

    let r = gcloud()
        .ok(
            "gcloud secrets versions access latest --secret=item1 --project=other-project --format=json",
            &payload("c2VjcmV0MQ=="),
        )
        .ok(
            "gcloud secrets versions access latest --secret=item2 --project=other-project --format=json",
            &payload("c2VjcmV0Mg"),
        );
    assert_eq!(
        run(&r, "gcp_secret_manager", Some("default"), Some("other-project"), &["item1", "item2"]).unwrap(),
        pairs(&[("other-project/item1", "secret1"), ("other-project/item2", "secret2")])
    );

    for (account, flags) in [
        ("email@example.com", " --account=email@example.com"),
        ("default|service-user@example.com", " --impersonate-service-account=service-user@example.com"),
        (
            "user@example.com|service-user@example.com,service-user2@example.com",
            " --account=user@example.com --impersonate-service-account=service-user@example.com,service-user2@example.com",
        ),
    ] {
        let r = gcloud().ok(
            &format!("gcloud secrets versions access 123 --secret=item1 --project=some-project{flags} --format=json"),
            &payload("c2VjcmV0MQ=="),
        );
        assert_eq!(
            run(&r, "gcp", Some(account), None, &["some-project/item1/123"]).unwrap(),
            pairs(&[("some-project/item1", "secret1")])
        );
    }

    let r = ScriptedRunner::new()
        .ok("gcloud --version", "")
        .ok("gcloud auth list --format=json", "[]")
        .ok("gcloud auth login", "{}");
    assert_eq!(message(run(&r, "gcp", Some("default"), None, &["mypassword"])), "could not login to gcloud");
    let r = gcloud().fail("gcloud secrets versions access latest --secret=x --format=json", "");
    assert_eq!(
        message(run(&r, "gcp", Some("default"), None, &["x"])),
        "Could not read default/x from Google Secret Manager"
    );
    assert_eq!(
        message(run(&ScriptedRunner::new().missing("gcloud"), "gcp", Some("default"), None, &["x"])),
        "`gcloud` (Google Cloud CLI) is not installed or not on PATH"
    );
}

// ---- Doppler --------------------------------------------------------------------------

const DOPPLER: &str = r#"{"SECRET1":{"computed":"secret1","note":""},"FSECRET1":{"computed":"fsecret1"},"FSECRET2":{"computed":"fsecret2"}}"#;

#[test]
fn doppler() {
    let expected = pairs(&[("SECRET1", "secret1"), ("FSECRET1", "fsecret1"), ("FSECRET2", "fsecret2")]);
    let r = ScriptedRunner::new()
        .ok("doppler --version", "")
        .ok("doppler me --json", "{}")
        .ok("doppler secrets get SECRET1 FSECRET1 FSECRET2 --json -p my-project -c prd", DOPPLER);
    assert_eq!(
        run(&r, "doppler", None, Some("my-project/prd"), &["SECRET1", "FSECRET1", "FSECRET2"]).unwrap(),
        expected
    );
    assert_eq!(
        run(
            &r,
            "doppler",
            None,
            None,
            &["my-project/prd/SECRET1", "my-project/prd/FSECRET1", "my-project/prd/FSECRET2"]
        )
        .unwrap(),
        expected
    );

    let r = ScriptedRunner::new()
        .ok("doppler --version", "")
        .ok("doppler me --json", "{}")
        .ok("doppler secrets get SECRET1 FSECRET1 FSECRET2 --json", DOPPLER);
    let got =
        run_env(&r, "doppler", None, None, &["SECRET1", "FSECRET1", "FSECRET2"], &[("DOPPLER_TOKEN", "dp.st.xxxx")]);
    assert_eq!(got.unwrap(), expected);

    let r = ScriptedRunner::new().ok("doppler --version", "").ok("doppler me --json", "{}");
    assert_eq!(
        message(run(&r, "doppler", None, None, &["FSECRET1"])),
        "Missing project or config from '--from=project/config' option"
    );
    let r = ScriptedRunner::new()
        .ok("doppler --version", "")
        .fail("doppler me --json", "")
        .ok("doppler login -y", "")
        .ok("doppler secrets get SECRET1 --json -p p -c c", r#"{"SECRET1":{"computed":"secret1"}}"#);
    assert_eq!(run(&r, "doppler", None, Some("p/c"), &["SECRET1"]).unwrap(), pairs(&[("SECRET1", "secret1")]));
    let r =
        ScriptedRunner::new().ok("doppler --version", "").fail("doppler me --json", "").fail("doppler login -y", "");
    assert_eq!(message(run(&r, "doppler", None, Some("p/c"), &["S"])), "Failed to login to Doppler");
    assert_eq!(
        message(run(&ScriptedRunner::new().missing("doppler"), "doppler", None, None, &["S"])),
        "`doppler` (Doppler CLI) is not installed or not on PATH"
    );
}

// ---- Enpass ---------------------------------------------------------------------------

#[test]
fn enpass() {
    let items = r#"[
      {"category":"computer","label":"SECRET_1","password":"my-password-1","title":"FooBar"},
      {"category":"computer","label":"SECRET_2","password":"my-password-2","title":"FooBar"},
      {"category":"computer","label":"SECRET_3","password":"my-password-1","title":"Hello"},
      {"category":"computer","label":"","password":"my-password-3","title":"FooBar"}
    ]"#;
    let r =
        ScriptedRunner::new().ok("enpass-cli version", "").ok("enpass-cli -json -vault vault-path show FooBar", items);
    assert_eq!(
        run(&r, "enpass", None, Some("vault-path"), &["FooBar/SECRET_1"]).unwrap(),
        pairs(&[("FooBar/SECRET_1", "my-password-1")])
    );
    assert_eq!(
        run(&r, "enpass", None, Some("vault-path"), &["FooBar"]).unwrap(),
        pairs(&[
            ("FooBar/SECRET_1", "my-password-1"),
            ("FooBar/SECRET_2", "my-password-2"),
            ("FooBar", "my-password-3")
        ])
    );
    assert_eq!(
        message(run(&ScriptedRunner::new().fail("enpass-cli version", ""), "enpass", None, Some("v"), &["x"])),
        "`enpass-cli` (Enpass CLI) is not installed or not on PATH"
    );
}

// ---- Passbolt -------------------------------------------------------------------------

#[test]
fn passbolt_root_secrets() {
    let r = ScriptedRunner::new().ok("passbolt --version", "").ok("passbolt verify", "").ok(
        r#"passbolt list resources --filter Name == "SECRET1" || Name == "FSECRET1" --column name --column password --json"#,
        r#"[{"id":"1","folder_parent_id":"","name":"FSECRET1","password":"fsecret1"},{"id":"2","folder_parent_id":"","name":"SECRET1","password":"secret1"}]"#,
    );
    assert_eq!(
        run(&r, "passbolt", None, None, &["SECRET1", "FSECRET1"]).unwrap(),
        pairs(&[("FSECRET1", "fsecret1"), ("SECRET1", "secret1")])
    );
    let r = ScriptedRunner::new().ok("passbolt --version", "").ok("passbolt verify", "").ok(
        r#"passbolt list resources --filter Name == "A" || Name == "B" --column name --column password --json"#,
        r#"[{"name":"A","password":"a"}]"#,
    );
    assert_eq!(
        message(run(&r, "passbolt", None, None, &["A", "B"])),
        "Could not find the following secrets in Passbolt: B"
    );
    let r = ScriptedRunner::new().ok("passbolt --version", "").fail("passbolt verify", "");
    assert_eq!(message(run(&r, "passbolt", None, None, &["A"])), "Failed to login to Passbolt");
    let r = ScriptedRunner::new().ok("passbolt --version", "").ok("passbolt verify", "");
    assert_eq!(message(run(&r, "passbolt", None, None, &[])), "No secrets given to fetch");
}

#[test]
fn passbolt_folders() {
    let id = "dcbe0e39-42d8-42db-9637-8256b9f2f8e3";
    let nested = "6a3f21fc-aa40-4ba9-852c-7477fc4c7b1d";
    let r = ScriptedRunner::new()
        .ok("passbolt --version", "")
        .ok("passbolt verify", "")
        .ok(
            r#"passbolt list folders --filter Name == "my-project" --json"#,
            &format!(r#"[{{"id":"{id}","folder_parent_id":"","name":"my-project"}}]"#),
        )
        .ok(
            &format!(r#"passbolt list folders --filter Name == "subfolder" && FolderParentID == "{id}" --json"#),
            &format!(r#"[{{"id":"{nested}","folder_parent_id":"{id}","name":"subfolder"}}]"#),
        )
        .ok(
            &format!(
                r#"passbolt list resources --filter (Name == "SECRET1" && FolderParentID == "{id}") || (Name == "FSECRET1" && FolderParentID == "{nested}") --folder {id} --folder {nested} --column name --column password --json"#
            ),
            r#"[{"name":"SECRET1","password":"secret1"},{"name":"FSECRET1","password":"fsecret1"}]"#,
        );
    let got = run(&r, "passbolt", None, None, &["my-project/SECRET1", "my-project/subfolder/FSECRET1"]);
    assert_eq!(got.unwrap(), pairs(&[("SECRET1", "secret1"), ("FSECRET1", "fsecret1")]));

    let r = ScriptedRunner::new()
        .ok("passbolt --version", "")
        .ok("passbolt verify", "")
        .ok(r#"passbolt list folders --filter Name == "nope" --json"#, "[]");
    assert_eq!(
        message(run(&r, "passbolt", None, Some("nope"), &["X"])),
        "Could not find the following folders in Passbolt: nope"
    );
}
