//! The MultiversX side of a token bridge: users lock ESDT tokens to be minted
//! on the other chain; relayers confirm or reject each transfer; a rejected
//! or expired transfer can be refunded to the depositor.
//!
//! The owner pauses the bridge when the other side is compromised, and every
//! endpoint that moves tokens must honour the pause. With
//! `--features vulnerable` `refund` does not call `require_not_paused()`, so
//! while the bridge is frozen an attacker who forged "rejected" statuses on
//! the other side can still pull tokens out.
#![no_std]

use multiversx_sc::{derive_imports::*, imports::*};

#[type_abi]
#[derive(TopEncode, TopDecode, NestedEncode, NestedDecode, PartialEq, Eq, Clone, Copy)]
pub enum TransferStatus {
    Pending,
    Executed,
    Rejected,
    Refunded,
}

#[type_abi]
#[derive(TopEncode, TopDecode)]
pub struct BridgeTransfer<M: ManagedTypeApi> {
    pub from: ManagedAddress<M>,
    pub to_foreign: ManagedBuffer<M>,
    pub token_id: TokenIdentifier<M>,
    pub amount: BigUint<M>,
    pub deadline: u64,
    pub status: TransferStatus,
}

#[multiversx_sc::contract]
pub trait TokenBridge: multiversx_sc_modules::pause::PauseModule {
    #[init]
    fn init(&self, relayer: ManagedAddress) {
        self.relayer().set(&relayer);
        self.set_paused(true);
    }

    #[upgrade]
    fn upgrade(&self) {}

    #[payable("*")]
    #[endpoint]
    fn deposit(&self, to_foreign: ManagedBuffer) -> u64 {
        self.require_not_paused();
        let payment = self.call_value().single_esdt();
        require!(self.whitelist().contains(&payment.token_identifier), "token not bridged");
        let id = self.last_id().update(|id| {
            *id += 1;
            *id
        });
        self.transfers(id).set(BridgeTransfer {
            from: self.blockchain().get_caller(),
            to_foreign,
            token_id: payment.token_identifier.clone(),
            amount: payment.amount.clone(),
            deadline: self.blockchain().get_block_timestamp_seconds().as_u64_seconds() + 86_400,
            status: TransferStatus::Pending,
        });
        id
    }

    #[endpoint(setStatus)]
    fn set_status(&self, id: u64, executed: bool) {
        self.require_not_paused();
        require!(
            self.blockchain().get_caller() == self.relayer().get(),
            "only the relayer"
        );
        self.transfers(id).update(|t| {
            require!(t.status == TransferStatus::Pending, "not pending");
            t.status = if executed {
                TransferStatus::Executed
            } else {
                TransferStatus::Rejected
            };
        });
    }

    #[endpoint]
    fn refund(&self, id: u64) {
        #[cfg(not(feature = "vulnerable"))]
        self.require_not_paused();
        let mapper = self.transfers(id);
        require!(!mapper.is_empty(), "unknown transfer");
        let mut transfer = mapper.get();
        let now = self.blockchain().get_block_timestamp_seconds().as_u64_seconds();
        require!(
            transfer.status == TransferStatus::Rejected
                || (transfer.status == TransferStatus::Pending && now > transfer.deadline),
            "transfer cannot be refunded"
        );
        transfer.status = TransferStatus::Refunded;
        mapper.set(&transfer);
        self.tx()
            .to(&transfer.from)
            .single_esdt(&transfer.token_id, 0, &transfer.amount)
            .transfer();
    }

    #[only_owner]
    #[endpoint(addToken)]
    fn add_token(&self, token_id: TokenIdentifier) {
        self.whitelist().insert(token_id);
    }

    #[only_owner]
    #[endpoint(setRelayer)]
    fn set_relayer(&self, relayer: ManagedAddress) {
        self.relayer().set(&relayer);
    }

    #[view(getTransfer)]
    #[storage_mapper("transfers")]
    fn transfers(&self, id: u64) -> SingleValueMapper<BridgeTransfer<Self::Api>>;

    #[storage_mapper("lastId")]
    fn last_id(&self) -> SingleValueMapper<u64>;

    #[view(getRelayer)]
    #[storage_mapper("relayer")]
    fn relayer(&self) -> SingleValueMapper<ManagedAddress>;

    #[view(getWhitelist)]
    #[storage_mapper("whitelist")]
    fn whitelist(&self) -> UnorderedSetMapper<TokenIdentifier>;
}
