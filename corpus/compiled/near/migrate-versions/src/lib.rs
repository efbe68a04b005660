//! Profile registry that has already been upgraded once: v1 stored only names, v2 adds a
//! creation timestamp per profile. `migrate` runs right after the new code is deployed.
use near_sdk::borsh::{BorshDeserialize, BorshSerialize};
use near_sdk::store::LookupMap;
use near_sdk::{env, near, require, AccountId, Gas, NearToken, PanicOnDefault, Promise};

const VERSION_KEY: &[u8] = b"VERSION";
#[cfg(not(feature = "vulnerable"))]
const PREVIOUS_VERSION: u32 = 1;
const CURRENT_VERSION: u32 = 2;

#[near(serializers = [borsh, json])]
#[derive(Clone)]
pub struct Profile {
    pub name: String,
    pub created_at: u64,
}

/// The v1 state layout, as it is stored before the migration.
#[derive(BorshSerialize, BorshDeserialize)]
#[borsh(crate = "near_sdk::borsh")]
pub struct OldRegistry {
    admin: AccountId,
    names: LookupMap<AccountId, String>,
    count: u64,
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Registry {
    admin: AccountId,
    profiles: LookupMap<AccountId, Profile>,
    count: u64,
    migrated_at: u64,
}

#[near]
impl Registry {
    #[init]
    pub fn new(admin: AccountId) -> Self {
        env::storage_write(VERSION_KEY, &CURRENT_VERSION.to_le_bytes());
        Self { admin, profiles: LookupMap::new(b"p"), count: 0, migrated_at: 0 }
    }

    pub fn set_profile(&mut self, name: String) {
        require!(name.len() <= 64, "Name too long");
        let account = env::predecessor_account_id();
        if !self.profiles.contains_key(&account) {
            self.count += 1;
        }
        self.profiles.insert(account, Profile { name, created_at: env::block_timestamp() });
    }

    pub fn get_profile(&self, account_id: AccountId) -> Option<Profile> {
        self.profiles.get(&account_id).cloned()
    }

    /// Admin deploys new code and runs `migrate` on it.
    pub fn upgrade(&self) -> Promise {
        require!(env::predecessor_account_id() == self.admin, "Admin only");
        let code = env::input().expect("no code");
        Promise::new(env::current_account_id())
            .deploy_contract(code)
            .function_call("migrate", b"{}".to_vec(), NearToken::from_near(0), Gas::from_tgas(100))
    }

    /// Converts the v1 state into the v2 layout. Old names are kept under the v1 prefix and
    /// converted lazily; here only the root struct is rewritten.
    #[private]
    #[init(ignore_state)]
    pub fn migrate() -> Self {
        #[cfg(not(feature = "vulnerable"))]
        {
            let stored = env::storage_read(VERSION_KEY)
                .map(|v| u32::from_le_bytes(v.try_into().expect("bad version")))
                .unwrap_or(PREVIOUS_VERSION);
            require!(stored == PREVIOUS_VERSION, "State is not at the version this migration expects");
        }

        let old: OldRegistry = env::state_read().expect("no state");
        env::storage_write(VERSION_KEY, &CURRENT_VERSION.to_le_bytes());
        Self {
            admin: old.admin,
            profiles: LookupMap::new(b"p"),
            count: old.count,
            migrated_at: env::block_timestamp(),
        }
    }

    pub fn version(&self) -> u32 {
        env::storage_read(VERSION_KEY).map(|v| u32::from_le_bytes(v.try_into().unwrap())).unwrap_or(1)
    }
}
