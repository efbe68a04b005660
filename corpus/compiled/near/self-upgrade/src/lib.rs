//! A counter-style "guest book" that its team upgrades in place: `update_contract` takes the new
//! code as the raw call input, deploys it to this account and calls `migrate` on the new code.
use near_sdk::store::Vector;
use near_sdk::{env, near, require, AccountId, Gas, NearToken, PanicOnDefault, Promise};

const MIGRATE_GAS: Gas = Gas::from_tgas(50);

#[near(serializers = [borsh, json])]
#[derive(Clone)]
pub struct PostedMessage {
    pub premium: bool,
    pub sender: AccountId,
    pub text: String,
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct GuestBook {
    manager: AccountId,
    messages: Vector<PostedMessage>,
}

#[near]
impl GuestBook {
    #[init]
    pub fn init(manager: AccountId) -> Self {
        Self { manager, messages: Vector::new(b"m") }
    }

    #[payable]
    pub fn add_message(&mut self, text: String) {
        require!(text.len() <= 280, "Message too long");
        let premium = env::attached_deposit() >= NearToken::from_millinear(100);
        self.messages.push(PostedMessage { premium, sender: env::predecessor_account_id(), text });
    }

    pub fn get_messages(&self, from_index: Option<u32>, limit: Option<u32>) -> Vec<PostedMessage> {
        let from = from_index.unwrap_or(0);
        self.messages
            .iter()
            .skip(from as usize)
            .take(limit.unwrap_or(10).min(50) as usize)
            .cloned()
            .collect()
    }

    pub fn total_messages(&self) -> u32 {
        self.messages.len()
    }

    /// Deploys the code passed as raw input (`near call <acc> update_contract --base64 <wasm>`)
    /// and then calls `migrate` on it.
    pub fn update_contract(&self) -> Promise {
        #[cfg(not(feature = "vulnerable"))]
        require!(env::predecessor_account_id() == self.manager, "Only the manager can update the code");

        let code = env::input().expect("Error: No input").to_vec();
        Promise::new(env::current_account_id())
            .deploy_contract(code)
            .function_call("migrate".to_string(), b"{}".to_vec(), NearToken::from_near(0), MIGRATE_GAS)
            .as_return()
    }

    #[private]
    #[init(ignore_state)]
    pub fn migrate() -> Self {
        env::state_read().expect("failed to read state")
    }
}
