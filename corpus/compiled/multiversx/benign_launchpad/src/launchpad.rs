//! A token launchpad done carefully: owner-only configuration, the pause flag
//! checked by every endpoint that moves funds, async purchases from the sale
//! contract with the callback handling both outcomes, and owner-only upgrades
//! of the sale contract it deployed.
#![no_std]

use multiversx_sc::imports::*;

#[multiversx_sc::contract]
pub trait Launchpad: multiversx_sc_modules::pause::PauseModule {
    #[init]
    fn init(&self, sale: ManagedAddress, max_per_user: BigUint) {
        self.sale_contract().set(&sale);
        self.max_per_user().set(&max_per_user);
    }

    #[upgrade]
    fn upgrade(&self) {}

    #[only_owner]
    #[endpoint(setMaxPerUser)]
    fn set_max_per_user(&self, max_per_user: BigUint) {
        self.max_per_user().set(&max_per_user);
    }

    #[payable("EGLD")]
    #[endpoint]
    fn contribute(&self) {
        self.require_not_paused();
        let amount = self.call_value().egld().clone();
        require!(amount > 0u32, "zero contribution");
        let caller = self.blockchain().get_caller();
        let new_total = self.contributed(&caller).get() + &amount;
        require!(new_total <= self.max_per_user().get(), "over the per-user cap");

        self.tx()
            .to(self.sale_contract().get())
            .raw_call("buyFor")
            .argument(&caller)
            .egld(&amount)
            .callback(self.callbacks().buy_callback(caller, amount.clone()))
            .async_call_and_exit();
    }

    #[callback]
    fn buy_callback(
        &self,
        user: ManagedAddress,
        amount: BigUint,
        #[call_result] result: ManagedAsyncCallResult<()>,
    ) {
        match result {
            ManagedAsyncCallResult::Ok(()) => {
                self.contributed(&user).update(|c| *c += &amount);
            }
            ManagedAsyncCallResult::Err(_) => {
                self.tx().to(&user).egld(&amount).transfer();
            }
        }
    }

    #[endpoint]
    fn withdraw(&self, amount: BigUint) {
        self.require_not_paused();
        let caller = self.blockchain().get_caller();
        let mapper = self.refundable(&caller);
        let available = mapper.get();
        require!(amount <= available, "not enough refundable balance");
        mapper.set(&(available - &amount));
        self.tx().to(&caller).egld(&amount).transfer();
    }

    #[only_owner]
    #[endpoint(upgradeSale)]
    fn upgrade_sale(&self, source: ManagedAddress) {
        self.tx()
            .to(self.sale_contract().get())
            .raw_upgrade()
            .from_source(source)
            .code_metadata(CodeMetadata::UPGRADEABLE)
            .upgrade_async_call_and_exit();
    }

    #[view(getContributed)]
    #[storage_mapper("contributed")]
    fn contributed(&self, user: &ManagedAddress) -> SingleValueMapper<BigUint>;

    #[view(getRefundable)]
    #[storage_mapper("refundable")]
    fn refundable(&self, user: &ManagedAddress) -> SingleValueMapper<BigUint>;

    #[storage_mapper("maxPerUser")]
    fn max_per_user(&self) -> SingleValueMapper<BigUint>;

    #[view(getSaleContract)]
    #[storage_mapper("saleContract")]
    fn sale_contract(&self) -> SingleValueMapper<ManagedAddress>;
}
