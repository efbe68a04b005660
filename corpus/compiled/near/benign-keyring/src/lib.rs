//! Multi-device account manager: the owner adds and removes function-call and full-access keys
//! on this account; a signed "recovery" message from the guardian key can rotate the owner.
use near_sdk::json_types::Base64VecU8;
use near_sdk::store::IterableSet;
use near_sdk::{env, log, near, require, AccountId, NearToken, PanicOnDefault, Promise, PublicKey};

const MAX_KEYS: u32 = 20;

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Keyring {
    owner: AccountId,
    guardian_key: [u8; 32],
    recovery_nonce: u64,
    keys: IterableSet<PublicKey>,
}

#[near]
impl Keyring {
    #[init]
    pub fn new(owner: AccountId, guardian_key: Base64VecU8) -> Self {
        Self {
            owner,
            guardian_key: guardian_key.0.try_into().expect("guardian key must be 32 bytes"),
            recovery_nonce: 0,
            keys: IterableSet::new(b"k"),
        }
    }

    pub fn add_device(&mut self, public_key: PublicKey, full_access: bool) -> Promise {
        self.assert_owner();
        require!(self.keys.len() < MAX_KEYS, "Too many keys");
        self.keys.insert(public_key.clone());
        let account = env::current_account_id();
        if full_access {
            Promise::new(account).add_full_access_key(public_key)
        } else {
            Promise::new(account.clone()).add_access_key_allowance(
                public_key,
                near_sdk::Allowance::limited(NearToken::from_millinear(250)).unwrap(),
                account,
                "ping".to_string(),
            )
        }
    }

    pub fn remove_device(&mut self, public_key: PublicKey) -> Promise {
        self.assert_owner();
        require!(self.keys.remove(&public_key), "Unknown key");
        Promise::new(env::current_account_id()).delete_key(public_key)
    }

    /// Guardian-signed owner rotation: the guardian signs "recover:<new_owner>:<nonce>".
    pub fn recover(&mut self, new_owner: AccountId, signature: Base64VecU8) {
        let signature: [u8; 64] = signature.0.try_into().expect("signature must be 64 bytes");
        let message = format!("recover:{}:{}", new_owner, self.recovery_nonce);
        require!(env::ed25519_verify(&signature, message.as_bytes(), &self.guardian_key), "Bad guardian signature");
        self.recovery_nonce += 1;
        log!("Owner rotated to {}", new_owner);
        self.owner = new_owner;
    }

    pub fn list_keys(&self, from_index: u32, limit: u32) -> Vec<PublicKey> {
        self.keys.iter().skip(from_index as usize).take(limit.min(MAX_KEYS) as usize).cloned().collect()
    }

    pub fn ping(&self) -> String {
        "pong".to_string()
    }
}

impl Keyring {
    fn assert_owner(&self) {
        require!(env::predecessor_account_id() == self.owner, "Owner only");
    }
}
